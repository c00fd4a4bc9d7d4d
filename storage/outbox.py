"""The notice outbox: one row per (schedule, occurrence, group), written before it is sent."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import NamedTuple

from storage.db import Database
from storage.models import OutboxEntry, OutboxState, PriorityOutboxEntry
from storage.timefmt import from_db, to_db

_CHUNK = 200  # rows per multi-row INSERT (12 parameters each, well under SQLite's limit)


class RowState(NamedTuple):
    """One outbox row's outcome so far."""

    group_id: int
    state: OutboxState
    outcome: str | None
    events: frozenset[str]


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, key: str, schedule_id: str | None, occurrence: datetime, group_id: int, chat_id: int,
                  locale: str, text: str, image: str | None, not_before: datetime, now: datetime,
                  urgent: bool = False) -> bool:
        """Queue one send; False if a row with this key exists already (never a second one)."""
        changed = await self._db.execute(
            """INSERT INTO notice_outbox (key, schedule_id, occurrence, group_id, chat_id, locale, text, image,
                                         urgent, not_before, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING""",
            (key, schedule_id, to_db(occurrence), group_id, chat_id, locale, text, image, int(urgent),
             to_db(not_before), to_db(now), to_db(now)),
        )
        return changed == 1

    async def add_many(self, rows: list[dict], now: datetime) -> set[str]:
        """Queue many sends at once (a broadcast); returns the keys that were new."""
        added: set[str] = set()
        columns = ("key", "schedule_id", "occurrence", "group_id", "chat_id", "locale", "text", "image", "urgent",
                   "not_before", "created_at", "updated_at", "priority", "alert_id", "payload")
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            params: list = []
            for row in chunk:
                params += [row["key"], row["schedule_id"], to_db(row["occurrence"]), row["group_id"], row["chat_id"],
                           row["locale"], row["text"], row["image"], int(row.get("urgent", False)),
                           to_db(row["not_before"]), to_db(now), to_db(now), int(row.get("priority", 0)),
                           row.get("alert_id"),
                           json.dumps(row["payload"], ensure_ascii=False) if row.get("payload") else None]
            marks = ", ".join(["(" + ", ".join("?" for _ in columns) + ")"] * len(chunk))
            returned = await self._db.fetch_all(
                f"INSERT INTO notice_outbox ({', '.join(columns)}) VALUES {marks} "
                "ON CONFLICT (key) DO NOTHING RETURNING key",
                params,
            )
            added |= {r["key"] for r in returned}
        return added

    async def due(self, now: datetime, limit: int = 5000, *, alert_id: int | None = None) -> list[OutboxEntry]:
        """Pending rows due by `now`, higher priority first; with `alert_id`, only that alert's."""
        of_alert = "" if alert_id is None else "AND priority > 0 AND alert_id = ? "
        rows = await self._db.fetch_all(
            f"SELECT * FROM notice_outbox WHERE state = 'pending' AND not_before <= ? {of_alert}"
            "ORDER BY priority DESC, not_before, id LIMIT ?",
            (to_db(now), *(() if alert_id is None else (alert_id,)), limit),
        )
        return [_entry(r) for r in rows]

    async def next_due_time(self) -> datetime | None:
        return from_db(await self._db.fetch_value(
            "SELECT min(not_before) FROM notice_outbox WHERE state = 'pending'"
        ))

    async def in_flight(self) -> list[OutboxEntry]:
        """Rows marked 'sending': after a crash, whether Telegram got them is unknown."""
        rows = await self._db.fetch_all("SELECT * FROM notice_outbox WHERE state = 'sending' ORDER BY id")
        return [_entry(r) for r in rows]

    async def is_pending(self, entry_id: int) -> bool:
        return await self._db.fetch_value("SELECT state = 'pending' FROM notice_outbox WHERE id = ?",
                                          (entry_id,)) == 1

    async def claim(self, entry_id: int, now: datetime) -> bool:
        """pending → sending, committed just before the request leaves. False if someone else took it."""
        changed = await self._db.execute(
            """UPDATE notice_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?
               WHERE id = ? AND state = 'pending'""",
            (to_db(now), entry_id),
        )
        return changed == 1

    async def finish(self, entry_id: int, state: OutboxState, now: datetime, outcome: str | None = None,
                     message_id: int | None = None) -> None:
        await self._db.execute(
            "UPDATE notice_outbox SET state = ?, outcome = ?, message_id = ?, updated_at = ? WHERE id = ?",
            (state.value, outcome, message_id, to_db(now), entry_id),
        )

    async def record_album(self, entry_id: int, message_ids: tuple[int, ...]) -> None:
        """The album a delivered alert sent before its text (to delete it when a missing person is found)."""
        await self._db.execute("UPDATE notice_outbox SET album_message_ids = ? WHERE id = ?",
                               (json.dumps(list(message_ids)), entry_id))

    async def retry_later(self, entry_id: int, not_before: datetime, outcome: str, now: datetime) -> None:
        await self._db.execute(
            """UPDATE notice_outbox SET state = 'pending', not_before = ?, outcome = ?, updated_at = ?
               WHERE id = ?""",
            (to_db(not_before), outcome, to_db(now), entry_id),
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._db.execute(
            "UPDATE notice_outbox SET chat_id = ? WHERE chat_id = ? AND state IN ('pending', 'sending')",
            (new_chat_id, old_chat_id),
        )

    async def get(self, key: str) -> OutboxEntry | None:
        return _entry(await self._db.fetch_one("SELECT * FROM notice_outbox WHERE key = ?", (key,)))

    async def for_schedule(self, schedule_id: str) -> list[OutboxEntry]:
        rows = await self._db.fetch_all("SELECT * FROM notice_outbox WHERE schedule_id = ? ORDER BY id",
                                        (schedule_id,))
        return [_entry(r) for r in rows]

    async def for_alert(self, alert_id: int) -> list[OutboxEntry]:
        rows = await self._db.fetch_all("SELECT * FROM notice_outbox WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [_entry(r) for r in rows]

    async def delivery_states(self, alert_id: int) -> list[RowState]:
        """Where each of an alert's rows stands, without its text and payload: the officer's report
        reads them every second while the alert goes out."""
        rows = await self._db.fetch_all(
            "SELECT group_id, state, outcome, events FROM notice_outbox WHERE alert_id = ? ORDER BY id", (alert_id,))
        return [RowState(r["group_id"], OutboxState(r["state"]), r["outcome"],
                         frozenset(filter(None, r["events"].split(",")))) for r in rows]

    async def add_events(self, entry_id: int, events: set[str]) -> None:
        """Remembers what happened on the way (migrated, rate_limited, pinned …), for the delivery report."""
        if not events:
            return
        row = await self._db.fetch_one("SELECT events FROM notice_outbox WHERE id = ?", (entry_id,))
        if row is None:
            return
        merged = sorted(set(filter(None, row["events"].split(","))) | set(events))
        await self._db.execute("UPDATE notice_outbox SET events = ? WHERE id = ?", (",".join(merged), entry_id))

    async def skip_pending_of_alert(self, alert_id: int, outcome: str, now: datetime) -> int:
        return await self._db.execute(
            """UPDATE notice_outbox SET state = 'skipped', outcome = ?, updated_at = ?
               WHERE alert_id = ? AND state = 'pending'""",
            (outcome, to_db(now), alert_id),
        )

    async def alerts_with_pending(self) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT alert_id FROM notice_outbox WHERE alert_id IS NOT NULL AND state IN ('pending', 'sending')"
        )
        return [r["alert_id"] for r in rows]

    async def counts(self) -> Counter[str]:
        rows = await self._db.fetch_all("SELECT state, count(*) AS n FROM notice_outbox GROUP BY state")
        return Counter({r["state"]: r["n"] for r in rows})


def _entry(row) -> OutboxEntry | None:
    if row is None:
        return None
    return PriorityOutboxEntry(
        id=row["id"],
        key=row["key"],
        schedule_id=row["schedule_id"],
        occurrence=from_db(row["occurrence"]),
        group_id=row["group_id"],
        chat_id=row["chat_id"],
        locale=row["locale"],
        text=row["text"],
        image=row["image"],
        urgent=bool(row["urgent"]),
        state=OutboxState(row["state"]),
        not_before=from_db(row["not_before"]),
        attempts=row["attempts"],
        outcome=row["outcome"],
        message_id=row["message_id"],
        priority=row["priority"],
        alert_id=row["alert_id"],
        payload=json.loads(row["payload"]) if row["payload"] else None,
        events=frozenset(filter(None, row["events"].split(","))),
        album_message_ids=tuple(json.loads(row["album_message_ids"])),
    )
