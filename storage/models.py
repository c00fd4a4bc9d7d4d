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


class CaseStatus(StrEnum):
    """Stored case status keys (shown through the catalogue, never as they are)."""

    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    REJECTED = "rejected"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"  # the reporter withdrew it (solved it themselves, sent by mistake…)


#: Cases staff still work on; and those finished (information can no longer be added).
OPEN_STATUSES = frozenset({CaseStatus.NEW, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED})
CLOSED_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.FOLLOWED_UP, CaseStatus.CLOSED, CaseStatus.REJECTED,
                             CaseStatus.WITHDRAWN})


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
    area: str | None = None
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
    timezone: str | None = None  # IANA name; None: the schedule's (deployment's) zone


class Draft(_Record):
    """A dialogue in progress (any dialogue: see bot/services/dialogues.py): the state awaited and
    the answers so far, saved after every answer."""

    user_id: int
    dialogue: str  # a DialogueName: report | addition | alert | tip | schedule
    state: str  # the dialogue's State value
    history: tuple[str, ...] = ()
    data: dict[str, Any] = {}
    editing: bool = False
    origin_group_id: int | None = None
    case_id: int | None = None
    alert_id: int | None = None
    prompt_message_id: int | None = None
    media_group_id: str | None = None
    started_at: datetime
    updated_at: datetime
    reminded_at: datetime | None = None
    #: The first part of a text Telegram split (see DialogueStore.hold_fragment), and when it came.
    held_text: str | None = None
    held_at: datetime | None = None
    #: Not stored: the draft was found past its time (and deleted) when it was looked up, so the
    #: dialogue can say it timed out instead of treating the message as an answer.
    timed_out: bool = False


class DialogueAnswer(_Record):
    """A message that answered a question of a dialogue (and, once sent, the case it went to)."""

    user_id: int
    message_id: int
    dialogue: str
    state: str
    taken: bool  # the message changed the answers (False: it was refused, the question asked again)
    case_id: int | None
    answered_at: datetime


class Case(_Record):
    id: int
    ref: str
    kind: str  # 'incident' | 'dispute'
    category: str
    status: str
    grade: str | None
    emergency: bool
    complete: bool
    language: str
    origin_group_id: int | None
    area: str | None
    description: str
    details: dict[str, Any]
    related_case_id: int | None
    created_at: datetime
    updated_at: datetime
    owner_id: int | None = None
    level: str | None = None
    accepted_at: datetime | None = None
    accept_due: datetime | None = None
    resolve_due: datetime | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    outcome_note: str | None = None
    last_action: str | None = None
    #: The original this case repeats (Reject → Duplicate); its reporters were added to it.
    duplicate_of: int | None = None


class CaseCard(_Record):
    """A posted copy of a case's card: `staff` in the case's staff chat, `level` in a level's chat."""

    case_id: int
    chat_id: int
    message_id: int
    kind: str


class CaseReporter(_Record):
    case_id: int
    user_id: int
    is_primary: bool
    anonymous: bool
    phone: str | None
    joined_at: datetime
    #: Since when Telegram refuses messages to them about this case (they blocked the bot); None: reachable.
    unreachable_since: datetime | None = None


class CaseMedia(_Record):
    id: int
    case_id: int
    addition_id: int | None
    media_type: str  # 'photo' | 'voice'
    file_id: str
    added_at: datetime


class CaseAddition(_Record):
    id: int
    case_id: int
    user_id: int
    text: str
    created_at: datetime


# --- scheduled notices (issue 6) -------------------------------------------------------------

class NoticeSchedule(_Record):
    id: str
    source: str  # 'config' | 'command'
    cron: str
    timezone: str
    targets: dict[str, Any]  # {kinds: [...], areas: [...]}
    content: dict[str, Any]  # as notices.schedules[].content in the config
    paused: bool
    created_by: int | None
    created_at: datetime
    last_occurrence: datetime | None


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    SKIPPED = "skipped"


class OutboxEntry(_Record):
    id: int
    key: str
    schedule_id: str | None
    occurrence: datetime
    group_id: int
    chat_id: int
    locale: str
    text: str
    image: str | None
    urgent: bool
    state: OutboxState
    not_before: datetime
    attempts: int
    outcome: str | None
    message_id: int | None


class CaseNote(_Record):
    id: int
    case_id: int
    author_id: int
    text: str
    created_at: datetime


class CaseAlarm(_Record):
    id: int
    case_id: int
    kind: str
    stage: str
    due_at: datetime


class Followup(_Record):
    case_id: int
    asked_at: datetime | None
    solved: bool | None
    stars: int | None
    comment: str | None
    no_response: bool
    spot_check: bool
    #: After "referred" / "not a police matter": the office got in touch / they know where to turn.
    helped_elsewhere: bool | None = None


class StaffInput(_Record):
    user_id: int
    case_id: int
    purpose: str
    detail: str
    created_at: datetime


class LibraryOverlay(_Record):
    """Edits to the notice library made by command, layered over the config (storage/library.py)."""

    themes: dict[str, dict[str, str]]  # id -> {zh, en} title
    tips: list[dict[str, Any]]  # {number, theme, zh, en}
    disabled: set[tuple[str, int]]  # (theme, tip number)
    templates: dict[str, dict[str, str]]  # id -> {zh, en}
    calendar: dict[int, str]  # month -> theme id


# --- urgent alerts (issue 7) -------------------------------------------------------------------

class PriorityOutboxEntry(OutboxEntry):
    """An outbox row with what alerts add: priority, the alert, its extras and delivery events."""

    priority: int = 0
    alert_id: int | None = None
    payload: dict[str, Any] | None = None  # {photos: [...], button: {text, url}, pin: bool}
    events: frozenset[str] = frozenset()  # migrated, rate_limited, pinned, pin_refused
    album_message_ids: tuple[int, ...] = ()  # an alert's photos sent as an album before its text


class Alert(_Record):
    id: int
    ref: str
    officer_id: int
    kind: str
    text: str
    photos: tuple[str, ...]
    targets: dict[str, Any]
    pin: bool
    hours: int
    status: str  # awaiting_approval | sending | active | closed | expired | rejected
    expires_at: datetime
    approved_by: int | None
    report_message_id: int | None
    expiry_prompted_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    created_at: datetime


class AlertTip(_Record):
    id: int
    alert_id: int
    user_id: int
    kind: str  # text | photo | location | contact
    text: str
    file_id: str | None
    latitude: float | None
    longitude: float | None
    phone: str | None
    created_at: datetime
