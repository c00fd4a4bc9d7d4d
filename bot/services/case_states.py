"""The case state machine: which actions are legal from which status. Pure rules.

new → accepted → in_progress → resolved → followed_up → closed, with rejected and reopened; an
owned case is released back to new when its owner leaves, and a reporter may withdraw an open one. The
statuses themselves (and which are open or closed) are `storage.models.CaseStatus`.
"""

from __future__ import annotations

from enum import StrEnum

from storage.models import CLOSED_STATUSES, OPEN_STATUSES, CaseStatus


class Action(StrEnum):
    ACCEPT = "accept"
    ASSIGN = "assign"
    RESOLVE = "resolve"
    REJECT = "reject"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    REOPEN = "reopen"
    RELEASE = "release"
    WITHDRAW = "withdraw"


# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[CaseStatus], CaseStatus]] = {
    Action.ACCEPT: (frozenset({CaseStatus.NEW, CaseStatus.REOPENED}), CaseStatus.ACCEPTED),
    Action.ASSIGN: (OPEN_STATUSES, CaseStatus.IN_PROGRESS),
    Action.RESOLVE: (frozenset({CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED}),
                     CaseStatus.RESOLVED),
    Action.REJECT: (OPEN_STATUSES, CaseStatus.REJECTED),
    Action.FOLLOW_UP: (frozenset({CaseStatus.RESOLVED}), CaseStatus.FOLLOWED_UP),
    Action.CLOSE: (frozenset({CaseStatus.FOLLOWED_UP}), CaseStatus.CLOSED),
    Action.REOPEN: (CLOSED_STATUSES, CaseStatus.REOPENED),
    # Its owner left (role revoked, /handover to nobody): back to the staff chat, to be accepted.
    Action.RELEASE: (frozenset({CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED}), CaseStatus.NEW),
    # The reporter withdrew it from /myreports.
    Action.WITHDRAW: (OPEN_STATUSES, CaseStatus.WITHDRAWN),
}


class IllegalTransition(Exception):
    def __init__(self, action: Action, status: str) -> None:
        super().__init__(f"cannot {action} a case that is {status}")
        self.action = action
        self.status = status


def allowed_from(action: Action) -> frozenset[CaseStatus]:
    return TRANSITIONS[action][0]


def next_status(action: Action, status: str) -> CaseStatus:
    """The status after `action`, or IllegalTransition."""
    sources, target = TRANSITIONS[action]
    if CaseStatus(status) not in sources:
        raise IllegalTransition(action, status)
    return target


def can(action: Action, status: str) -> bool:
    return CaseStatus(status) in TRANSITIONS[action][0]
