"""Repositories for notice schedules and the per-group rotation of tips."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import NoticeSchedule
from storage.timefmt import from_db, to_db


class ScheduleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert_from_config(self, schedule_id: str, cron: str, timezone: str, targets: dict[str, Any],
                                 content: dict[str, Any], paused_in_config: bool, now: datetime) -> None:
        """A config-defined schedule, re-read at every start. Its creation time (and so the first
        occurrence it may send) and a pause set by command are kept across restarts."""
        await self._db.execute(
            """INSERT INTO notice_schedules (id, source, cron, timezone, targets, content, paused, created_at,
                                            updated_at)
               VALUES (?, 'config', ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET
                 cron = excluded.cron, timezone = excluded.timezone, targets = excluded.targets,
                 content = excluded.content, updated_at = excluded.updated_at,
                 paused = CASE WHEN excluded.paused = 1 THEN 1 ELSE notice_schedules.paused END
               WHERE notice_schedules.source = 'config'""",
            (schedule_id, cron, timezone, json.dumps(targets, sort_keys=True), json.dumps(content, sort_keys=True),
             int(paused_in_config), to_db(now), to_db(now)),
        )

    async def delete_config_except(self, keep: list[str]) -> int:
        """Config schedules no longer in the file are gone."""
        marks = ", ".join("?" for _ in keep) or "''"
        return await self._db.execute(
            f"DELETE FROM notice_schedules WHERE source = 'config' AND id NOT IN ({marks})", keep
        )

    async def insert(self, schedule_id: str, cron: str, timezone: str, targets: dict[str, Any],
                     content: dict[str, Any], created_by: int | None, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO notice_schedules (id, source, cron, timezone, targets, content, paused, created_by,
                                            created_at, updated_at)
               VALUES (?, 'command', ?, ?, ?, ?, 0, ?, ?, ?)""",
            (schedule_id, cron, timezone, json.dumps(targets, sort_keys=True), json.dumps(content, sort_keys=True),
             created_by, to_db(now), to_db(now)),
        )

    async def get(self, schedule_id: str) -> NoticeSchedule | None:
        return _schedule(await self._db.fetch_one("SELECT * FROM notice_schedules WHERE id = ?", (schedule_id,)))

    async def all(self) -> list[NoticeSchedule]:
        rows = await self._db.fetch_all("SELECT * FROM notice_schedules ORDER BY source DESC, created_at, id")
        return [_schedule(r) for r in rows]

    async def set_paused(self, schedule_id: str, paused: bool, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE notice_schedules SET paused = ?, updated_at = ? WHERE id = ?",
            (int(paused), to_db(now), schedule_id),
        )
        return changed == 1

    async def delete(self, schedule_id: str) -> bool:
        return await self._db.execute("DELETE FROM notice_schedules WHERE id = ?", (schedule_id,)) == 1

    async def set_last_occurrence(self, schedule_id: str, occurrence: datetime) -> None:
        await self._db.execute(
            "UPDATE notice_schedules SET last_occurrence = ? WHERE id = ?", (to_db(occurrence), schedule_id)
        )


class RotationRepo:
    """Which tips of a theme a group has had since its rotation last started over."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def used_by_group(self, theme: str) -> dict[int, set[int]]:
        """For every group: the tips of `theme` it has had since its rotation last started over."""
        used: dict[int, set[int]] = {}
        for row in await self._db.fetch_all("SELECT group_id, tip_index FROM notice_rotation WHERE theme = ?",
                                            (theme,)):
            used.setdefault(row["group_id"], set()).add(row["tip_index"])
        return used

    async def mark_used_many(self, theme: str, marks: list[tuple[int, int]], now: datetime) -> None:
        """(group_id, tip_index) pairs, in chunks of one multi-row statement each."""
        for start in range(0, len(marks), 300):
            chunk = marks[start:start + 300]
            params: list = []
            for group_id, tip_index in chunk:
                params += [group_id, theme, tip_index, to_db(now)]
            await self._db.execute(
                "INSERT OR REPLACE INTO notice_rotation (group_id, theme, tip_index, used_at) VALUES "
                + ", ".join(["(?, ?, ?, ?)"] * len(chunk)),
                params,
            )

    async def start_over_many(self, theme: str, group_ids: list[int]) -> None:
        for start in range(0, len(group_ids), 500):
            chunk = group_ids[start:start + 500]
            await self._db.execute(
                f"DELETE FROM notice_rotation WHERE theme = ? AND group_id IN ({', '.join('?' for _ in chunk)})",
                [theme, *chunk],
            )


def _schedule(row) -> NoticeSchedule | None:
    if row is None:
        return None
    return NoticeSchedule(
        id=row["id"],
        source=row["source"],
        cron=row["cron"],
        timezone=row["timezone"],
        targets=json.loads(row["targets"]),
        content=json.loads(row["content"]),
        paused=bool(row["paused"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        last_occurrence=from_db(row["last_occurrence"]),
    )


