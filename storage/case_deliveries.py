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
    #: An earlier attempt may have reached Telegram: the next copy says it is one.
    maybe_delivered: bool = False
    #: Read with it (`pending`), to know where it goes without loading its case: whether the case
    #: still exists, its area, and the staff chat its card was posted in (None: not posted yet).
    case_found: bool = True
    case_area: str | None = None
    card_chat_id: int | None = None


class CaseDeliveryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def owe(self, case_id: int, kind: str, user_id: int, now: datetime) -> CaseDelivery:
        """Owed now; one already delivered is owed again (a card to update once a report is complete)."""
        stamp = to_db(now)
        return _delivery(await self._db.fetch_one(_OWE + " RETURNING *", (case_id, kind, user_id, stamp, stamp, stamp)))

    async def also_owe(self, case_id: int, kind: str, user_id: int, now: datetime) -> None:
        """`owe` for a caller that does not need the row: inside its transaction, it goes to the
        database with the next statement (`Database.write`)."""
        stamp = to_db(now)
        await self._db.write(_OWE, (case_id, kind, user_id, stamp, stamp, stamp))

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
        rows = await self._db.fetch_all(
            # The card as storage/case_cards.py's `of_case` finds it: the first staff card whose chat is known.
            """SELECT d.*, c.id IS NOT NULL AS case_found, c.area AS case_area,
                      (SELECT cc.chat_id FROM case_cards cc
                       WHERE cc.case_id = d.case_id AND cc.kind = 'staff' AND cc.chat_id IS NOT NULL
                       ORDER BY cc.rowid LIMIT 1) AS card_chat_id
               FROM case_deliveries d LEFT JOIN cases c ON c.id = d.case_id
               WHERE d.state = 'pending' ORDER BY d.id""")
        return [_delivery(row, case_found=bool(row["case_found"]), case_area=row["case_area"],
                          card_chat_id=row["card_chat_id"]) for row in rows]

    async def sending(self, delivery: CaseDelivery) -> None:
        """A request of the delivery is about to leave: until its outcome is recorded, a crash leaves
        it uncertain."""
        await self._db.execute("UPDATE case_deliveries SET sending = 1 WHERE id = ? AND NOT sending", (delivery.id,))

    async def interrupted(self) -> int:
        """At start: the pending deliveries a crash caught with a request out may have arrived;
        their next copy says so. Returns how many."""
        return await self._db.execute(
            "UPDATE case_deliveries SET sending = 0, maybe_delivered = 1 WHERE state = 'pending' AND sending")

    async def delivered(self, delivery: CaseDelivery, outcome: str, now: datetime) -> None:
        """Done, unless it was owed again meanwhile (then the newer need stays pending); either way
        its request is answered and the copy that may have been a repeat went out, saying so (one
        statement: a crash leaves it either still uncertain or recorded)."""
        await self._db.execute(
            """UPDATE case_deliveries SET sending = 0, maybe_delivered = 0, updated_at = ?,
                   state = CASE WHEN revision = ? THEN 'done' ELSE state END,
                   outcome = CASE WHEN revision = ? THEN ? ELSE outcome END
               WHERE id = ?""",
            (to_db(now), delivery.revision, delivery.revision, outcome, delivery.id))

    async def retry_later(self, delivery: CaseDelivery, not_before: datetime, outcome: str, now: datetime, *,
                          maybe_delivered: bool) -> None:
        """Not delivered this time: tried again from `not_before` (unless owed again meanwhile).
        `maybe_delivered`: the request may have arrived all the same (the mark stays until a copy
        that says so went out)."""
        await self._db.execute(
            """UPDATE case_deliveries SET sending = 0, maybe_delivered = maybe_delivered OR ?, updated_at = ?,
                   attempts = CASE WHEN revision = ? THEN attempts + 1 ELSE attempts END,
                   not_before = CASE WHEN revision = ? THEN ? ELSE not_before END,
                   outcome = CASE WHEN revision = ? THEN ? ELSE outcome END
               WHERE id = ?""",
            (int(maybe_delivered), to_db(now), delivery.revision, delivery.revision, to_db(not_before),
             delivery.revision, outcome[:200], delivery.id))


_OWE = """INSERT INTO case_deliveries (case_id, kind, user_id, not_before, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (case_id, kind, user_id) DO UPDATE SET state = 'pending', attempts = 0,
              revision = revision + 1, not_before = excluded.not_before, updated_at = excluded.updated_at"""


def _delivery(row, **where: object) -> CaseDelivery:
    return CaseDelivery(id=row["id"], case_id=row["case_id"], kind=row["kind"], user_id=row["user_id"],
                        attempts=row["attempts"], revision=row["revision"], not_before=from_db(row["not_before"]),
                        maybe_delivered=bool(row["maybe_delivered"]), **where)
