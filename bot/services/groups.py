"""Groups the bot is in: recording them, their settings, following them when they migrate."""

from __future__ import annotations

from bot.clock import Clock
from storage.db import Database
from storage.groups import GroupRepo
from storage.models import Group


class GroupService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._groups = GroupRepo(db)

    async def seen(self, chat_id: int, title: str, chat_type: str) -> Group:
        """The record for a group we hear from (created on first sight)."""
        return await self._groups.upsert_seen(chat_id, title, chat_type, self._clock.now())

    async def by_chat_id(self, chat_id: int) -> Group | None:
        return await self._groups.by_chat_id(chat_id)

    async def by_ref(self, ref: str) -> Group | None:
        return await self._groups.by_ref(ref)

    async def by_id(self, group_id: int) -> Group | None:
        return await self._groups.by_id(group_id)
