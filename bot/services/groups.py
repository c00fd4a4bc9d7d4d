"""Groups the bot is in: recording them, their settings, following them when they migrate."""

from __future__ import annotations

import functools
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.config_notices import GroupDeclaration, is_hhmm, zone_problem
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from storage.area_proposals import AreaProposalRepo
from storage.audit import AuditRepo
from storage.db import Database
from storage.groups import GroupRepo
from storage.models import Group, GroupKind
from storage.outbox import OutboxRepo

logger = logging.getLogger(__name__)

#: Pingan roles that may set up any group (besides the group's own Telegram administrators).
_PRESENT = ("member", "administrator", "creator", "restricted")
#: The bot status of a group declared in the config whose membership Telegram has not reported yet.
DECLARED = "declared"
#: An area typed without Reply this soon after the prompt still answers it.
AREA_PROMPT_TYPED_WINDOW = timedelta(minutes=30)




def canonical_zone(name: str) -> str | None:
    """The IANA zone called `name` (any letter case, spaces for '_'), or None if there is none."""
    name = name.strip().replace(" ", "_")
    if not name or len(name) > 64:
        return None
    if "/" in name and zone_problem(name) is None and name in _zone_names():
        return name
    return {zone.lower(): zone for zone in _zone_names()}.get(name.lower())


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class Membership:
    """What a my_chat_member update meant for the group's record."""

    group: Group
    joined: bool  # the bot was not in the group before and is now: greet it
    left: bool


class GroupService:
    def __init__(self, db: Database, clock: Clock, staff_chat_ids: frozenset[int] = frozenset()) -> None:
        self._db = db
        self._clock = clock
        # The configured staff chats (default, per area, per level): staff groups whatever their kind.
        self._staff_chat_ids = staff_chat_ids
        self._groups = GroupRepo(db)
        self._outbox = OutboxRepo(db)
        self._audit = AuditRepo(db)
        self._proposals = AreaProposalRepo(db)

    async def seen(self, chat_id: int, title: str, chat_type: str) -> Group:
        """The record for a group we hear from (created on first sight)."""
        return await self._groups.upsert_seen(chat_id, title, chat_type, self._clock.now())

    async def by_chat_id(self, chat_id: int) -> Group | None:
        return await self._groups.by_chat_id(chat_id)

    async def by_ref(self, ref: str) -> Group | None:
        return await self._groups.by_ref(ref)

    async def by_id(self, group_id: int) -> Group | None:
        return await self._groups.by_id(group_id)

    async def all(self) -> list[Group]:
        return await self._groups.all()

    async def zones_in_use(self) -> set[str]:
        return await self._groups.zones_in_use()

    async def known_areas(self) -> list[str]:
        return await self._groups.known_areas()

    async def ask_area(self, group_id: int, actor_id: int, actor_roles, chat_id: int, message_id: int) -> None:
        """Remembers that the prompt `message_id` asks this officer for the group's area."""
        if not may_manage_groups(actor_roles):
            raise NotAllowed()
        await self._groups.add_area_prompt(chat_id, message_id, group_id, actor_id, self._clock.now())

    async def answered_area_prompt(self, chat_id: int, reply_to_message_id: int, actor_id: int) -> Group | None:
        """The group whose area prompt this Reply answers (the prompt is used up), or None."""
        group_id = await self._groups.area_prompt(chat_id, reply_to_message_id, actor_id)
        if group_id is None:
            return None
        await self._groups.drop_area_prompt(chat_id, reply_to_message_id)
        return await self._groups.by_id(group_id)

    async def typed_area_prompt(self, chat_id: int, actor_id: int) -> Group | None:
        """The group of the newest area prompt a message typed (not replied) soon after it answers,
        or None if no prompt is that recent."""
        since = self._clock.now() - AREA_PROMPT_TYPED_WINDOW
        message_id = await self._groups.latest_area_prompt(chat_id, actor_id, since)
        if message_id is None:
            return None
        return await self.answered_area_prompt(chat_id, message_id, actor_id)

    async def propose_area(self, group_id: int, actor_id: int, actor_roles, area: str, *,
                           telegram_admin: bool = False) -> int:
        """Keeps a new area typed for a group until it is confirmed; the proposal's id."""
        if not (telegram_admin or may_manage_groups(actor_roles)):
            raise NotAllowed()
        return await self._proposals.add(group_id, actor_id, area.strip()[:64], self._clock.now())

    async def confirm_area(self, group_id: int, proposal_id: int, actor_id: int, actor_roles, *,
                           telegram_admin: bool = False) -> Group | None:
        """Creates the proposed area as the group's; None if the proposal is gone (confirmed already)."""
        if not (telegram_admin or may_manage_groups(actor_roles)):
            raise NotAllowed()
        area = await self._proposals.take(proposal_id, group_id)
        if area is None:
            return None
        return await self.change(group_id, actor_id, actor_roles, telegram_admin=telegram_admin, area=area)

    async def targets(self, kinds: list[GroupKind], areas: list[str]) -> list[Group]:
        """Active groups of these kinds and areas (empty: any), whose notices are not paused. "Any kind"
        means residents' groups: the staff chat and staff groups get notices only when named."""
        groups = [g for g in await self._groups.active(kinds=kinds, areas=areas) if not g.notices_paused]
        if not kinds:
            groups = [g for g in groups if not self.is_staff_group(g)]
        return groups

    def is_staff_group(self, group: Group) -> bool:
        return group.kind is GroupKind.STAFF or group.chat_id in self._staff_chat_ids

    # --- membership ----------------------------------------------------------------------------

    async def bot_status_changed(self, chat_id: int, title: str, chat_type: str, status: str,
                                 can_pin: bool, by_user_id: int | None) -> Membership:
        """The bot's own membership changed (my_chat_member): record, reactivate or deactivate."""
        now = self._clock.now()
        present = status in _PRESENT
        async with self._db.transaction():
            before = await self._groups.by_chat_id(chat_id)
            group = await self._groups.upsert_seen(chat_id, title, chat_type, now)
            was_present = before is not None and before.active and before.bot_status in _PRESENT
            await self._groups.update(group.id, now, active=present, bot_status=status, can_pin=can_pin)
            if chat_id in self._staff_chat_ids and group.kind is None:
                await self._groups.update(group.id, now, kind=GroupKind.STAFF.value)
            if present != was_present or before is None:
                await self._audit.record(now, by_user_id, "group.joined" if present else "group.left", "group",
                                         group.id, {"chat_id": chat_id, "status": status})
        group = await self._groups.by_id(group.id)
        return Membership(group=group, joined=present and not was_present, left=was_present and not present)

    async def forbidden(self, chat_id: int) -> None:
        """Telegram answered 403 for this group: we are no longer in it."""
        group = await self._groups.by_chat_id(chat_id)
        if group is not None and group.active:
            await self._groups.update(group.id, self._clock.now(), active=False, bot_status="kicked")
            logger.info("group %s (%s) marked inactive: Telegram refuses sends", group.ref, chat_id)

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> Group | None:
        """The group became a supergroup: the same record (settings, rotation, outbox) follows."""
        now = self._clock.now()
        async with self._db.transaction():
            moved = await self._groups.move_chat(old_chat_id, new_chat_id, now)
            if moved:
                await self._outbox.move_chat(old_chat_id, new_chat_id)
        if moved:
            logger.info("group %s migrated to %s", old_chat_id, new_chat_id)
        return await self._groups.by_chat_id(new_chat_id)

    async def apply_declarations(self, declarations: list[GroupDeclaration]) -> None:
        """`groups:` in the config: create or update those records at start."""
        now = self._clock.now()
        async with self._db.transaction():
            for declared in declarations:
                group = await self._groups.by_chat_id(declared.chat_id)
                if group is None:
                    chat_type = "supergroup" if str(declared.chat_id).startswith("-100") else "group"
                    group = await self._groups.upsert_seen(declared.chat_id, "", chat_type, now)
                    # Known from the config, not yet from Telegram: the bot's arrival still greets it.
                    await self._groups.update(group.id, now, bot_status=DECLARED)
                fields = {name: getattr(declared, name) for name in ("kind", "area", "language", "timezone")
                          if getattr(declared, name) is not None}
                await self._groups.update(group.id, now, **fields)

    # --- settings ------------------------------------------------------------------------------

    async def change(self, group_id: int, actor_id: int, actor_roles, *, telegram_admin: bool = False,
                     **settings) -> Group:
        """Change kind / area / language / quiet hours / notices_paused, if the actor may.

        `telegram_admin` says the actor administers this very group in Telegram (the handler
        asked Telegram); otherwise only Pingan officers and admins may change a group.
        """
        if not (telegram_admin or may_manage_groups(actor_roles)):
            raise NotAllowed()
        group = await self._groups.by_id(group_id)
        if group is None:
            raise LookupError(group_id)
        if "area" in settings:
            area = (settings["area"] or "").strip()[:64]
            settings["area"] = area or None
        for key in ("quiet_start", "quiet_end"):
            if settings.get(key) is not None and not is_hhmm(settings[key]):
                raise ValueError(f"{key} must be HH:MM")
        if settings.get("timezone") is not None:
            settings["timezone"] = canonical_zone(settings["timezone"])
            if settings["timezone"] is None:
                raise ValueError("unknown time zone")
        now = self._clock.now()
        async with self._db.transaction():
            await self._groups.update(group_id, now, **settings)
            detail = {k: (v.value if isinstance(v, GroupKind) else v) for k, v in settings.items()}
            await self._audit.record(now, actor_id, "group.changed", "group", group_id, detail)
        return await self._groups.by_id(group_id)
