"""The case state machine: which actions are legal from which status. Pure rules.

new → accepted → in_progress → resolved → followed_up → closed, with rejected and reopened.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    REJECTED = "rejected"
    REOPENED = "reopened"


class Action(StrEnum):
    ACCEPT = "accept"
    ASSIGN = "assign"
    RESOLVE = "resolve"
    REJECT = "reject"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    REOPEN = "reopen"


OPEN = frozenset({Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED})
FINISHED = frozenset({Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED, Status.REJECTED})

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ACCEPT: (frozenset({Status.NEW, Status.REOPENED}), Status.ACCEPTED),
    Action.ASSIGN: (frozenset({Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED}),
                    Status.IN_PROGRESS),
    Action.RESOLVE: (frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED}), Status.RESOLVED),
    Action.REJECT: (OPEN, Status.REJECTED),
    Action.FOLLOW_UP: (frozenset({Status.RESOLVED}), Status.FOLLOWED_UP),
    Action.CLOSE: (frozenset({Status.FOLLOWED_UP}), Status.CLOSED),
    Action.REOPEN: (FINISHED, Status.REOPENED),
}


class IllegalTransition(Exception):
    def __init__(self, action: Action, status: str) -> None:
        super().__init__(f"cannot {action} a case that is {status}")
        self.action = action
        self.status = status


def allowed_from(action: Action) -> frozenset[Status]:
    return TRANSITIONS[action][0]


def next_status(action: Action, status: str) -> Status:
    """The status after `action`, or IllegalTransition."""
    sources, target = TRANSITIONS[action]
    if Status(status) not in sources:
        raise IllegalTransition(action, status)
    return target


def can(action: Action, status: str) -> bool:
    return Status(status) in TRANSITIONS[action][0]
