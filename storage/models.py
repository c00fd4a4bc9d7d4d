"""Plain typed records that repositories return (never sqlite rows)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """Stored role keys. Everyone is a resident; the others are granted."""

    RESIDENT = "resident"
    STEWARD = "steward"
    MEDIATOR = "mediator"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Person(_Record):
    user_id: int
    first_name: str
    username: str | None
    telegram_language: str | None
    language: str | None
    roles: frozenset[Role]
    created_at: datetime


class RoleGrant(_Record):
    user_id: int
    first_name: str
    username: str | None
    role: Role
    granted_by: int | None
    granted_at: datetime


class Invite(_Record):
    code: str
    role: Role
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


class AuditEntry(_Record):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject_type: str | None
    subject_id: str | None
    detail: dict[str, Any]


class GroupKind(StrEnum):
    POLICE_RESIDENT = "police_resident"
    HOMEOWNERS = "homeowners"
    PROPERTY = "property"
    SHOP = "shop"
    VILLAGE = "village"
    STAFF = "staff"


class Group(_Record):
    id: int
    chat_id: int
    ref: str
    title: str
    chat_type: str
    kind: GroupKind | None
    area: str | None
    language: str | None
    quiet_start: str | None
    quiet_end: str | None
    notices_paused: bool
    active: bool
    bot_status: str
    can_pin: bool
    joined_at: datetime
