"""Repository for the groups the bot is in."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import Group, GroupKind
from storage.timefmt import from_db, to_db

_SETTABLE = ("title", "kind", "area", "language", "quiet_start", "quiet_end", "notices_paused",
             "active", "bot_status", "can_pin", "timezone")


class GroupRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert_seen(self, chat_id: int, title: str, chat_type: str, now: datetime) -> Group:
        """Record a group we are in (new: with a fresh ref), refreshing its title and type."""
        await self._db.execute(
            """INSERT INTO groups (chat_id, ref, title, chat_type, joined_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET
                 title = excluded.title, chat_type = excluded.chat_type, updated_at = excluded.updated_at
               WHERE groups.title IS NOT excluded.title OR groups.chat_type IS NOT excluded.chat_type""",
            (chat_id, secrets.token_urlsafe(6), title, chat_type, to_db(now), to_db(now)),
        )
        group = await self.by_chat_id(chat_id)
        assert group is not None
        return group

    async def by_chat_id(self, chat_id: int) -> Group | None:
        return _group(await self._db.fetch_one("SELECT * FROM groups WHERE chat_id = ?", (chat_id,)))

    async def by_ref(self, ref: str) -> Group | None:
        return _group(await self._db.fetch_one("SELECT * FROM groups WHERE ref = ?", (ref,)))

    async def by_id(self, group_id: int) -> Group | None:
        return _group(await self._db.fetch_one("SELECT * FROM groups WHERE id = ?", (group_id,)))

    async def update(self, group_id: int, now: datetime, **fields: Any) -> None:
        """Change the named settings (`kind=`, `area=`, `active=` …)."""
        unknown = set(fields) - set(_SETTABLE)
        if unknown:
            raise ValueError(f"not a group setting: {sorted(unknown)}")
        if not fields:
            return
        values = [v.value if isinstance(v, GroupKind) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self._db.execute(
            f"UPDATE groups SET {assignments}, updated_at = ? WHERE id = ?", (*values, to_db(now), group_id)
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """The group became a supergroup: same record, new chat id. False if unknown or done."""
        moved = await self._db.execute(
            """UPDATE groups SET chat_id = ?, chat_type = 'supergroup', updated_at = ?
               WHERE chat_id = ? AND NOT EXISTS (SELECT 1 FROM groups WHERE chat_id = ?)""",
            (new_chat_id, to_db(now), old_chat_id, new_chat_id),
        )
        return moved == 1

    async def active(self, *, kinds: list[GroupKind] | None = None, areas: list[str] | None = None) -> list[Group]:
        """Active groups, optionally only of these kinds and/or areas (empty or None: all)."""
        clauses, params = ["active = 1"], []
        if kinds:
            clauses.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            params += [k.value for k in kinds]
        if areas:
            clauses.append(f"area IN ({', '.join('?' for _ in areas)})")
            params += list(areas)
        rows = await self._db.fetch_all(f"SELECT * FROM groups WHERE {' AND '.join(clauses)} ORDER BY id", params)
        return [_group(r) for r in rows]

    async def zones_in_use(self) -> set[str]:
        """The own time zones of active groups."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT timezone FROM groups WHERE active = 1 AND timezone IS NOT NULL")
        return {r["timezone"] for r in rows}

    async def known_areas(self) -> list[str]:
        """The areas groups have, most used first."""
        rows = await self._db.fetch_all(
            "SELECT area FROM groups WHERE area IS NOT NULL GROUP BY area ORDER BY count(*) DESC, area LIMIT 30")
        return [r["area"] for r in rows]

    async def add_area_prompt(self, chat_id: int, message_id: int, group_id: int, user_id: int,
                              now: datetime) -> None:
        await self._db.execute(
            """INSERT OR REPLACE INTO group_area_prompts (chat_id, message_id, group_id, user_id, created_at)
               VALUES (?, ?, ?, ?, ?)""", (chat_id, message_id, group_id, user_id, to_db(now)))

    async def area_prompt(self, chat_id: int, message_id: int, user_id: int) -> int | None:
        """The group whose area this prompt (sent to this user) asked for, if any."""
        return await self._db.fetch_value(
            "SELECT group_id FROM group_area_prompts WHERE chat_id = ? AND message_id = ? AND user_id = ?",
            (chat_id, message_id, user_id))

    async def latest_area_prompt(self, chat_id: int, user_id: int, since: datetime) -> int | None:
        """The message id of the newest area prompt sent to this user since `since`."""
        return await self._db.fetch_value(
            """SELECT message_id FROM group_area_prompts WHERE chat_id = ? AND user_id = ? AND created_at >= ?
               ORDER BY created_at DESC, message_id DESC LIMIT 1""", (chat_id, user_id, to_db(since)))

    async def drop_area_prompt(self, chat_id: int, message_id: int) -> None:
        await self._db.execute("DELETE FROM group_area_prompts WHERE chat_id = ? AND message_id = ?",
                               (chat_id, message_id))

    async def all(self) -> list[Group]:
        return [_group(r) for r in await self._db.fetch_all("SELECT * FROM groups ORDER BY id")]


def _group(row) -> Group | None:
    if row is None:
        return None
    return Group(
        id=row["id"],
        chat_id=row["chat_id"],
        ref=row["ref"],
        title=row["title"],
        chat_type=row["chat_type"],
        kind=GroupKind(row["kind"]) if row["kind"] else None,
        area=row["area"],
        language=row["language"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        notices_paused=bool(row["notices_paused"]),
        active=bool(row["active"]),
        bot_status=row["bot_status"],
        can_pin=bool(row["can_pin"]),
        joined_at=from_db(row["joined_at"]),
        timezone=row["timezone"],
    )
