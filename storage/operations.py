"""Repository for running the deployment: scheduled backups, generated secrets, health figures."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import OPEN_STATUSES, OutboxState
from storage.timefmt import from_db, to_db

_OPEN_SQL = ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)


class OperationsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim_backup(self, fire_at: datetime, now: datetime) -> bool:
        """Marks the backup for `fire_at` as taken; False if it already was (once per occurrence)."""
        return await self._db.execute(
            "INSERT OR IGNORE INTO scheduled_backups (fire_at, taken_at) VALUES (?, ?)", (to_db(fire_at), to_db(now))
        ) > 0

    async def record_backup_file(self, fire_at: datetime, file: str) -> None:
        await self._db.execute("UPDATE scheduled_backups SET file = ? WHERE fire_at = ?", (file, to_db(fire_at)))

    async def secret(self, name: str) -> str | None:
        return await self._db.fetch_value("SELECT value FROM runtime_secrets WHERE name = ?", (name,))

    async def store_secret_once(self, name: str, value: str, now: datetime) -> str:
        """Stores `value` unless a secret of that name exists; returns the one stored."""
        await self._db.execute(
            "INSERT OR IGNORE INTO runtime_secrets (name, value, created_at) VALUES (?, ?, ?)",
            (name, value, to_db(now)),
        )
        return await self.secret(name)

    async def probe_write(self, now: datetime) -> None:
        """One small write, so that a read-only or full database shows up in the health check."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO health_probe (id, probed_at) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
                (to_db(now),),
            )

    async def outbox_pending(self, now: datetime) -> tuple[int, datetime | None]:
        """Outbox rows waiting to go out, and the earliest due time of those already due."""
        row = await self._db.fetch_one(
            "SELECT count(*) AS pending, min(CASE WHEN not_before <= ? THEN not_before END) AS oldest"
            " FROM notice_outbox WHERE state = ?",
            (to_db(now), OutboxState.PENDING.value),
        )
        return row["pending"], from_db(row["oldest"])

    async def overdue_alarms(self, before: datetime) -> int:
        """Case alarms due before `before` and still not sent: the alarm job is behind."""
        return await self._db.fetch_value(
            "SELECT count(*) FROM case_alarms WHERE sent_at IS NULL AND due_at <= ?", (to_db(before),)
        )

    async def open_cases_by_grade(self, now: datetime) -> list[tuple[str, int, int]]:
        """(grade or 'ungraded', open, overdue) for the open cases."""
        rows = await self._db.fetch_all(
            f"""SELECT coalesce(grade, 'ungraded') AS grade, count(*) AS open,
                       coalesce(sum((owner_id IS NULL AND accept_due <= ?) OR resolve_due <= ?), 0) AS overdue
                  FROM cases WHERE complete = 1 AND status IN ({_OPEN_SQL}) GROUP BY 1""",
            (to_db(now), to_db(now)),
        )
        return [(r["grade"], r["open"], r["overdue"]) for r in rows]
