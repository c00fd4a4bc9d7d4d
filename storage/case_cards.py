"""Repository for the posted copies of case cards: which message in which chat shows a case, and
what was already sent under it (its photos, voice notes)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.models import CaseCard
from storage.timefmt import to_db


class CaseCardRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, case_id: int, chat_id: int, message_id: int, kind: str, now: datetime) -> None:
        """Records a posted card (a repost in the same chat replaces the old record)."""
        await self._db.execute(
            """INSERT INTO case_cards (case_id, chat_id, message_id, kind, posted_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (case_id, chat_id) DO UPDATE SET message_id = excluded.message_id""",
            (case_id, chat_id, message_id, kind, to_db(now)),
        )

    async def of_case(self, case_id: int) -> list[CaseCard]:
        """The case's cards whose chat is known, the staff chat's first."""
        rows = await self._db.fetch_all(
            """SELECT * FROM case_cards WHERE case_id = ? AND chat_id IS NOT NULL
               ORDER BY kind = 'level', rowid""", (case_id,))
        return [CaseCard(case_id=r["case_id"], chat_id=r["chat_id"], message_id=r["message_id"], kind=r["kind"])
                for r in rows]

    async def adopt_unknown_chat(self, chat_id: int) -> int:
        """Cards from before this table (chat unknown) are in `chat_id`; returns how many."""
        return await self._db.execute(
            "UPDATE OR IGNORE case_cards SET chat_id = ? WHERE chat_id IS NULL", (chat_id,))

    async def sent_items(self, case_id: int, chat_id: int) -> set[str]:
        """The parts already sent under the case's card in this chat."""
        rows = await self._db.fetch_all(
            "SELECT item FROM case_card_media WHERE case_id = ? AND chat_id = ?", (case_id, chat_id))
        return {r["item"] for r in rows}

    async def add_sent_item(self, case_id: int, chat_id: int, item: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO case_card_media (case_id, chat_id, item, sent_at) VALUES (?, ?, ?, ?)",
            (case_id, chat_id, item, to_db(now)))
