"""A populated world for the fuzz and authorisation tests: every role, a residents' group with a
Telegram administrator who is not Pingan staff, the staff chat, a case with its card, and the
tools to watch what the bot did (errors logged, failed calls, messages sent)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.callbacks import FAMILIES
from bot.emulator import Emulator
from storage.models import GroupKind, Role
from tests.conftest import STAFF_CHAT_ID
from tests.harness import UserClient
from tests.team import Team

ADMIN_ROLES = frozenset({Role.ADMIN})
CASE_DESCRIPTION = "Someone cut the lock of bike shed 7 with bolt cutters."
CASE_PHONE = "138 0013 8000"
#: Telegram's id of the sender shown for anonymous group administrators.
ANONYMOUS_ADMIN_ID = 1087968824


def product_families() -> dict:
    """The bot's callback families (tests define families of their own in the same registry)."""
    return {prefix: family for prefix, family in FAMILIES.items()
            if family.__module__.startswith(("handlers.", "bot."))}


class ErrorRecords(logging.Handler):
    """Every ERROR line Pingan (not the emulator) logs: an unhandled exception reaches on_error."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("bot.emulator"):
            self.records.append(record)

    def lines(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {r.getMessage()}"
                for r in self.records]


@dataclass
class World:
    """Who is where: the persons by role name, and the chats they speak in."""

    team: Team
    emulator: Emulator
    people: dict[str, UserClient]
    group_chat_id: int
    group_id: int
    case_ref: str
    case_id: int
    errors: ErrorRecords
    probe: UserClient
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def staff_chat_id(self) -> int:
        return STAFF_CHAT_ID

    def card(self) -> dict:
        return self.team.card(self.case_ref)

    async def settled(self) -> None:
        """Every update sent so far has been handled: the probe's update arrives after all of them
        (the emulator queues updates in order), and once it is answered, those of other chats still
        in flight are waited for. It also shows the bot still answers."""
        reply = await self.probe.ask("/help")
        assert reply["text"], "the bot stopped answering"
        await self.team.pingan.bot.application.update_processor.all_handled()

    def failed_calls(self, since: int = 0) -> list[str]:
        """Bot API calls Telegram refused (beyond a double tap's "not modified")."""
        return [f"{c.method}: {c.description}" for c in self.emulator.calls[since:]
                if not c.ok and "not modified" not in (c.description or "")]


async def build_world(team: Team, emulator: Emulator, make_user) -> World:
    """The team, plus a second resident, a steward, a group administrator and the residents' group."""
    pingan = team.pingan
    people = {
        "resident": make_user("Rita", language_code="en"),
        "steward": make_user("Stella", language_code="en"),
        "mediator": team.mediator,
        "officer": team.officer,
        "supervisor": team.supervisor,
        "admin": team.admin,
        "group_admin": make_user("Gus", language_code="en"),
    }
    await pingan.services.people.register_contact(people["steward"].user_id, "Stella", None, "en")
    await pingan.services.people.grant_by_system(people["steward"].user_id, Role.STEWARD, via="test")
    everyone = [p.user_id for p in people.values()] + [team.resident.user_id, team.officer2.user_id]
    group = emulator.add_group("Sunny Garden", members=everyone, admins=[people["group_admin"].user_id])
    emulator.add_bot_to_group(group["id"], by_user_id=people["group_admin"].user_id, status="administrator",
                              can_pin_messages=True)
    await emulator.wait_for(lambda: emulator.bot_messages(group["id"]))  # the greeting: the join is recorded
    stored = await pingan.services.groups.by_chat_id(group["id"])
    await pingan.services.groups.change(stored.id, 1, ADMIN_ROLES, kind=GroupKind.HOMEOWNERS, area="Sunny Garden",
                                        language="en")
    for name in ("resident", "steward", "group_admin"):  # added to the staff chat by mistake, say
        emulator.add_member(STAFF_CHAT_ID, people[name].user_id)
    ref = await team.report()
    case = await pingan.services.cases.by_ref(ref)
    await team.card_posted(ref)
    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    probe = make_user("Probe", language_code="en")
    return World(team, emulator, people, group["id"], stored.id, ref, case.id, errors, probe)


def drop_world(world: World) -> None:
    logging.getLogger().removeHandler(world.errors)
