"""Repository of what new cases still owe: cards, confirmations, notices of a report joined."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from storage.db import Database
from storage.timefmt import from_db, to_db

CARD, CONFIRMATION, JOINED = "card", "confirmation", "joined"


class CaseDelivery(BaseModel):
    id: int
    case_id: int
    kind: str  # CARD, CONFIRMATION or JOINED
    user_id: int  # the reporter (0 for a card)
    attempts: int
    revision: int
    not_before: datetime


class CaseDeliveryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def owe(self, case_id: int, kind: str, user_id: int, now: datetime) -> None:
        """Owed now; one already delivered is owed again (a card to update once a report is complete)."""
        await self._db.execute(
            """INSERT INTO case_deliveries (case_id, kind, user_id, not_before, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (case_id, kind, user_id) DO UPDATE SET state = 'pending', attempts = 0,
                   revision = revision + 1, not_before = excluded.not_before, updated_at = excluded.updated_at""",
            (case_id, kind, user_id, to_db(now), to_db(now), to_db(now)),
        )

    async def owe_missing(self, now: datetime) -> int:
        """What a crash between storing a case and recording what it owes left unrecorded: a card for
        every case, a confirmation for every reporter of a complete case, a notice for each who
        joined one. Returns how many were added."""
        stamp = to_db(now)
        added = await self._db.execute(
            """INSERT INTO case_deliveries (case_id, kind, user_id, not_before, created_at, updated_at)
               SELECT c.id, 'card', 0, ?, ?, ? FROM cases c
               WHERE NOT EXISTS (SELECT 1 FROM case_deliveries d WHERE d.case_id = c.id AND d.kind = 'card')
               ORDER BY c.id""", (stamp, stamp, stamp))
        added += await self._db.execute(
            """INSERT INTO case_deliveries (case_id, kind, user_id, not_before, created_at, updated_at)
               SELECT r.case_id, 'confirmation', r.user_id, ?, ?, ? FROM case_reporters r
               JOIN cases c ON c.id = r.case_id
               WHERE c.complete AND NOT EXISTS (SELECT 1 FROM case_deliveries d WHERE d.case_id = r.case_id
                                                AND d.kind = 'confirmation' AND d.user_id = r.user_id)
               ORDER BY r.joined_at""", (stamp, stamp, stamp))
        added += await self._db.execute(
            """INSERT INTO case_deliveries (case_id, kind, user_id, not_before, created_at, updated_at)
               SELECT r.case_id, 'joined', r.user_id, ?, ?, ? FROM case_reporters r
               WHERE NOT r.is_primary AND NOT EXISTS (SELECT 1 FROM case_deliveries d WHERE d.case_id = r.case_id
                                                      AND d.kind = 'joined' AND d.user_id = r.user_id)
               ORDER BY r.joined_at""", (stamp, stamp, stamp))
        return added

    async def pending(self) -> list[CaseDelivery]:
        """Everything still owed, due or not, oldest first (later cards of a chat wait for earlier ones)."""
        rows = await self._db.fetch_all("SELECT * FROM case_deliveries WHERE state = 'pending' ORDER BY id")
        return [CaseDelivery(id=r["id"], case_id=r["case_id"], kind=r["kind"], user_id=r["user_id"],
                             attempts=r["attempts"], revision=r["revision"], not_before=from_db(r["not_before"]))
                for r in rows]

    async def delivered(self, delivery: CaseDelivery, outcome: str, now: datetime) -> None:
        """Done, unless it was owed again meanwhile (then the newer need stays pending)."""
        await self._db.execute(
            "UPDATE case_deliveries SET state = 'done', outcome = ?, updated_at = ? WHERE id = ? AND revision = ?",
            (outcome, to_db(now), delivery.id, delivery.revision))

    async def retry_later(self, delivery: CaseDelivery, not_before: datetime, outcome: str, now: datetime) -> None:
        """Not delivered this time: tried again from `not_before` (unless owed again meanwhile)."""
        await self._db.execute(
            """UPDATE case_deliveries SET attempts = attempts + 1, not_before = ?, outcome = ?, updated_at = ?
               WHERE id = ? AND revision = ?""",
            (to_db(not_before), outcome[:200], to_db(now), delivery.id, delivery.revision))
