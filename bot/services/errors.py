"""Domain errors that handlers turn into polite messages."""

from __future__ import annotations

from enum import StrEnum


class ServiceError(Exception):
    """Base for refusals a user should hear about in plain words."""


class NotAllowed(ServiceError):
    """The actor's stored roles do not permit this action."""


class InviteProblem(ServiceError):
    class Reason(StrEnum):
        UNKNOWN = "unknown"
        EXPIRED = "expired"
        USED = "used"
        ALREADY_HOLDS = "already_holds"

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class RevokeProblem(ServiceError):
    class Reason(StrEnum):
        NOT_HELD = "not_held"
        CONFIG_ADMIN = "config_admin"
        LAST_ADMIN = "last_admin"

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason
