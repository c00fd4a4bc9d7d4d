"""Repository for mediation agreements (issue 17): the terms of each round, the parties'
confirmations, and the compliance answers at each term's due date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from storage.db import Database
from storage.timefmt import from_db, to_db


class Term(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    mediation_id: int
    round: int
    position: int
    who: str  # reporter | other | both
    text: str
    due_on: date
    asked_at: datetime | None
    kept: bool | None
    answered_at: datetime | None


def _term(row: Any) -> Term:
    return Term(**{**dict(row), "due_on": date.fromisoformat(row["due_on"]), "asked_at": from_db(row["asked_at"]),
                   "answered_at": from_db(row["answered_at"]),
                   "kept": None if row["kept"] is None else bool(row["kept"])})


class AgreementRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_term(self, mediation_id: int, round_: int, position: int, who: str, text: str, due_on: date) -> None:
        await self._db.execute(
            """INSERT INTO mediation_terms (mediation_id, round, position, who, text, due_on)
               VALUES (?, ?, ?, ?, ?, ?)""", (mediation_id, round_, position, who, text, due_on.isoformat()))

    async def terms(self, mediation_id: int, round_: int) -> list[Term]:
        rows = await self._db.fetch_all(
            "SELECT * FROM mediation_terms WHERE mediation_id = ? AND round = ? ORDER BY position",
            (mediation_id, round_))
        return [_term(r) for r in rows]

    async def term(self, term_id: int) -> Term | None:
        row = await self._db.fetch_one("SELECT * FROM mediation_terms WHERE id = ?", (term_id,))
        return None if row is None else _term(row)

    async def answer(self, mediation_id: int, round_: int, user_id: int, answer: str, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO mediation_confirmations (mediation_id, round, user_id, answer, at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (mediation_id, round, user_id) DO UPDATE SET answer = excluded.answer, at = excluded.at""",
            (mediation_id, round_, user_id, answer, to_db(now)))

    async def answers(self, mediation_id: int, round_: int) -> dict[int, str]:
        rows = await self._db.fetch_all(
            "SELECT user_id, answer FROM mediation_confirmations WHERE mediation_id = ? AND round = ?",
            (mediation_id, round_))
        return {r["user_id"]: r["answer"] for r in rows}

    async def terms_to_check(self, statuses: tuple[str, ...], today: date) -> list[Term]:
        """Terms of agreements in force whose due date has come and that were not asked about yet."""
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetch_all(
            f"""SELECT t.* FROM mediation_terms t JOIN mediations m ON m.id = t.mediation_id
                WHERE m.status IN ({marks}) AND t.round = m.agreement_round AND t.asked_at IS NULL
                AND t.due_on <= ? ORDER BY t.due_on, t.id""", (*statuses, today.isoformat()))
        return [_term(r) for r in rows]

    async def mark_asked(self, term_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE mediation_terms SET asked_at = ? WHERE id = ? AND asked_at IS NULL", (to_db(now), term_id)) == 1

    async def record_check(self, term_id: int, user_id: int, kept: bool, now: datetime) -> None:
        """A party's answer to "was it done?" (a later answer replaces their earlier one)."""
        await self._db.execute(
            """INSERT INTO mediation_checks (term_id, user_id, kept, at) VALUES (?, ?, ?, ?)
               ON CONFLICT (term_id, user_id) DO UPDATE SET kept = excluded.kept, at = excluded.at""",
            (term_id, user_id, int(kept), to_db(now)))

    async def checks(self, term_id: int) -> dict[int, bool]:
        rows = await self._db.fetch_all("SELECT user_id, kept FROM mediation_checks WHERE term_id = ?", (term_id,))
        return {r["user_id"]: bool(r["kept"]) for r in rows}

    async def settle(self, term_id: int, kept: bool, now: datetime) -> None:
        """The term's outcome: kept (both said yes) or broken (one said no)."""
        await self._db.execute("UPDATE mediation_terms SET kept = ?, answered_at = ? WHERE id = ?",
                               (int(kept), to_db(now), term_id))
