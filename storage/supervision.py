"""Repository for supervision (督办): each new deadline a supervisor set on an overdue case, with
its note, and the fresh reminder ladder for that deadline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Supervision:
    """One 督办: who set the case which new deadline, and what they told its owner."""

    id: int
    case_id: int
    supervisor_id: int
    due_at: datetime
    note: str
    created_at: datetime


class SupervisionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, case_id: int, supervisor_id: int, due_at: datetime, note: str, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO case_supervisions (case_id, supervisor_id, due_at, note, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (case_id, supervisor_id, to_db(due_at), note, to_db(now)),
        )

    async def latest(self, case_id: int) -> Supervision | None:
        row = await self._db.fetch_one(
            "SELECT * FROM case_supervisions WHERE case_id = ? ORDER BY id DESC LIMIT 1", (case_id,))
        if row is None:
            return None
        return Supervision(id=row["id"], case_id=row["case_id"], supervisor_id=row["supervisor_id"],
                           due_at=from_db(row["due_at"]), note=row["note"], created_at=from_db(row["created_at"]))

    async def rearm(self, case_id: int, kinds: Iterable[str], plan: dict[tuple[str, str], datetime]) -> None:
        """A new deadline gets a new ladder: the alarms of these kinds, sent or not, are replaced."""
        kinds = list(kinds)
        await self._db.execute(
            f"DELETE FROM case_alarms WHERE case_id = ? AND kind IN ({', '.join('?' for _ in kinds)})",
            (case_id, *kinds),
        )
        for (kind, stage), due in plan.items():
            await self._db.execute(
                "INSERT INTO case_alarms (case_id, kind, stage, due_at) VALUES (?, ?, ?, ?)",
                (case_id, kind, stage, to_db(due)),
            )
