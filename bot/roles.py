"""Who may do what with roles. Pure rules: no storage, no Telegram."""

from __future__ import annotations

from collections.abc import Iterable

from storage.models import Role

__all__ = ["Role", "STAFF_ROLES", "CASE_MANAGER_ROLES", "CASE_OWNER_ROLES", "GRANTABLE_ROLES", "INVITER_ROLES",
           "GROUP_MANAGER_ROLES", "LIBRARY_EDITOR_ROLES", "ALERT_ISSUERS", "ALERT_OVERSEERS", "is_staff",
           "highest_role", "invitable_roles", "can_invite", "can_revoke", "may_issue_alerts", "may_oversee_alerts",
           "may_manage_groups", "may_edit_library"]

# "Staff" handle cases; stewards are trusted volunteers, not staff.
STAFF_ROLES = frozenset({Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
#: May manage any case (grade, assign, resolve … whoever owns it); others manage their own.
CASE_MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: May own a case: it can be assigned to them.
CASE_OWNER_ROLES = frozenset({Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR})
GRANTABLE_ROLES = (Role.STEWARD, Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
_RANK = {role: rank for rank, role in enumerate((Role.RESIDENT, *GRANTABLE_ROLES))}

# Admins manage everything; officers and supervisors bring in their beat's volunteers,
# and supervisors also their team.
_MAY_INVITE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(GRANTABLE_ROLES),
    Role.SUPERVISOR: frozenset({Role.STEWARD, Role.MEDIATOR, Role.OFFICER}),
    Role.OFFICER: frozenset({Role.STEWARD}),
}
_MAY_REVOKE = _MAY_INVITE
#: May invite (and revoke) someone: whoever may hand out at least one role.
INVITER_ROLES = frozenset(_MAY_INVITE)
#: Manage groups, their settings and the notice schedules.
GROUP_MANAGER_ROLES = frozenset({Role.OFFICER, Role.ADMIN})
#: Edit the notice library (themes, tips, templates, the calendar).
LIBRARY_EDITOR_ROLES = frozenset({Role.ADMIN})


def is_staff(roles: Iterable[Role]) -> bool:
    return any(role in STAFF_ROLES for role in roles)


def highest_role(roles: Iterable[Role]) -> Role:
    return max(roles, key=_RANK.__getitem__, default=Role.RESIDENT)


def invitable_roles(actor_roles: Iterable[Role]) -> list[Role]:
    """The roles this person may hand out, lowest first."""
    allowed: set[Role] = set()
    for role in actor_roles:
        allowed |= _MAY_INVITE.get(role, frozenset())
    return sorted(allowed, key=_RANK.__getitem__)


def can_invite(actor_roles: Iterable[Role], role: Role) -> bool:
    return role in invitable_roles(actor_roles)


def can_revoke(actor_roles: Iterable[Role], role: Role) -> bool:
    return any(role in _MAY_REVOKE.get(r, frozenset()) for r in actor_roles)


def ordered(roles: Iterable[Role]) -> list[Role]:
    """Highest role first, for display."""
    return sorted(roles, key=_RANK.__getitem__, reverse=True)


# Urgent alerts: officers and above send them; supervisors and admins approve them and manage
# anyone's alerts.
ALERT_ISSUERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
ALERT_OVERSEERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_issue_alerts(roles: Iterable[Role]) -> bool:
    return any(role in ALERT_ISSUERS for role in roles)


def may_oversee_alerts(roles: Iterable[Role]) -> bool:
    return any(role in ALERT_OVERSEERS for role in roles)


def may_manage_groups(roles: Iterable[Role]) -> bool:
    return any(role in GROUP_MANAGER_ROLES for role in roles)


def may_edit_library(roles: Iterable[Role]) -> bool:
    return any(role in LIBRARY_EDITOR_ROLES for role in roles)
