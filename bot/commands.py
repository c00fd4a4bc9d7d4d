"""The bot's commands: one list that drives /help and Telegram's command menus."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.i18n import N_, LazyText
from storage.models import Role

_INVITERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
_STAFF = frozenset({Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: LazyText
    in_private: bool = True
    in_groups: bool = False
    roles: frozenset[Role] | None = None  # None: everyone

    def available_to(self, roles: Iterable[Role]) -> bool:
        return self.roles is None or any(role in self.roles for role in roles)


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", N_("Welcome and what Pingan can do")),
    CommandInfo("help", N_("Commands you can use"), in_groups=True),
    CommandInfo("language", N_("Choose 中文 or English")),
    CommandInfo("privacy", N_("What we store and why"), in_groups=True),
    CommandInfo("staff", N_("List staff and volunteers with their roles"), roles=_STAFF, in_groups=True),
    CommandInfo("invite", N_("Create an invitation link for a role"), roles=_INVITERS),
    CommandInfo("revoke", N_("Remove a role from someone"), roles=_INVITERS),
)


def commands_for(roles: Iterable[Role], *, private: bool) -> list[CommandInfo]:
    roles = frozenset(roles)
    return [
        c for c in COMMANDS
        if (c.in_private if private else c.in_groups) and c.available_to(roles)
    ]
