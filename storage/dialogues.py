"""Dialogue drafts: one table for every dialogue in progress (migration 0009)."""

from __future__ import annotations

import json
from datetime import datetime

from storage.db import Database
from storage.models import DialogueAnswer, Draft
from storage.timefmt import from_db, to_db

_COLUMNS = ("user_id", "dialogue", "state", "history", "data", "editing", "origin_group_id", "case_id",
            "alert_id", "prompt_message_id", "media_group_id", "started_at", "updated_at", "reminded_at",
            "held_text", "held_at")


class DialogueDraftRepo:
    """One draft per person and dialogue, saved whole after every answer."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int, dialogue: str) -> Draft | None:
        return _draft(await self._db.fetch_one(
            "SELECT * FROM dialogue_drafts WHERE user_id = ? AND dialogue = ?", (user_id, dialogue)))

    async def of_person(self, user_id: int) -> list[Draft]:
        """Every draft the person has open, the one touched last first (at the same instant, the
        one written last: a replaced row gets a new rowid)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM dialogue_drafts WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC", (user_id,))
        return [_draft(row) for row in rows]

    async def save(self, draft: Draft) -> None:
        """Inserts or replaces the person's draft of that dialogue."""
        placeholders = ", ".join("?" for _ in _COLUMNS)
        await self._db.execute(
            f"INSERT OR REPLACE INTO dialogue_drafts ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
            (
                draft.user_id, draft.dialogue, draft.state, json.dumps(list(draft.history)),
                json.dumps(draft.data, ensure_ascii=False), int(draft.editing), draft.origin_group_id,
                draft.case_id, draft.alert_id, draft.prompt_message_id, draft.media_group_id,
                to_db(draft.started_at), to_db(draft.updated_at),
                to_db(draft.reminded_at) if draft.reminded_at else None, draft.held_text,
                to_db(draft.held_at) if draft.held_at else None,
            ),
        )

    async def set_prompt(self, user_id: int, dialogue: str, message_id: int | None) -> None:
        """Only the prompt's message id: a draft ended meanwhile stays ended."""
        await self._db.execute("UPDATE dialogue_drafts SET prompt_message_id = ? WHERE user_id = ? AND dialogue = ?",
                               (message_id, user_id, dialogue))

    async def delete(self, user_id: int, dialogue: str) -> bool:
        return await self._db.execute(
            "DELETE FROM dialogue_drafts WHERE user_id = ? AND dialogue = ?", (user_id, dialogue)) > 0

    async def discard(self, user_id: int, dialogue: str) -> None:
        """`delete` for a caller that does not ask whether there was one (`write`)."""
        await self._db.write("DELETE FROM dialogue_drafts WHERE user_id = ? AND dialogue = ?", (user_id, dialogue))

    async def idle_unreminded(self, dialogue: str, cutoff: datetime) -> list[Draft]:
        """Drafts of a dialogue untouched since `cutoff` whose owner has not been reminded yet."""
        rows = await self._db.fetch_all(
            """SELECT * FROM dialogue_drafts
               WHERE dialogue = ? AND updated_at <= ? AND reminded_at IS NULL ORDER BY updated_at""",
            (dialogue, to_db(cutoff)))
        return [_draft(row) for row in rows]

    async def untouched_since(self, dialogue: str, cutoff: datetime) -> list[Draft]:
        """Drafts of a dialogue untouched since `cutoff` (past their time), oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM dialogue_drafts WHERE dialogue = ? AND updated_at <= ? ORDER BY updated_at",
            (dialogue, to_db(cutoff)))
        return [_draft(row) for row in rows]


def _draft(row) -> Draft | None:
    if row is None:
        return None
    return Draft(
        user_id=row["user_id"], dialogue=row["dialogue"], state=row["state"],
        history=tuple(json.loads(row["history"])), data=json.loads(row["data"]), editing=bool(row["editing"]),
        origin_group_id=row["origin_group_id"], case_id=row["case_id"], alert_id=row["alert_id"],
        prompt_message_id=row["prompt_message_id"], media_group_id=row["media_group_id"],
        started_at=from_db(row["started_at"]), updated_at=from_db(row["updated_at"]),
        reminded_at=from_db(row["reminded_at"]), held_text=row["held_text"], held_at=from_db(row["held_at"]),
    )


class DialogueAnswerRepo:
    """Which message answered which question of a dialogue."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, user_id: int, message_id: int, dialogue: str, state: str, taken: bool,
                     at: datetime) -> None:
        await self._db.execute(
            """INSERT OR REPLACE INTO dialogue_answers (user_id, message_id, dialogue, state, taken, case_id,
                                                        answered_at)
               VALUES (?, ?, ?, ?, ?, NULL, ?)""", (user_id, message_id, dialogue, state, int(taken), to_db(at)))

    async def get(self, user_id: int, message_id: int) -> DialogueAnswer | None:
        row = await self._db.fetch_one("SELECT * FROM dialogue_answers WHERE user_id = ? AND message_id = ?",
                                       (user_id, message_id))
        return _answer(row)

    async def attach_case(self, user_id: int, dialogue: str, case_id: int) -> None:
        """The dialogue's answers went to this case (the report was sent)."""
        await self._db.write(
            "UPDATE dialogue_answers SET case_id = ? WHERE user_id = ? AND dialogue = ? AND case_id IS NULL",
            (case_id, user_id, dialogue))

    async def forget_open(self, user_id: int, dialogue: str) -> None:
        """The dialogue ended without a case: its answers lead nowhere."""
        await self._db.execute(
            "DELETE FROM dialogue_answers WHERE user_id = ? AND dialogue = ? AND case_id IS NULL", (user_id, dialogue))


def _answer(row) -> DialogueAnswer | None:
    if row is None:
        return None
    return DialogueAnswer(user_id=row["user_id"], message_id=row["message_id"], dialogue=row["dialogue"],
                          state=row["state"], taken=bool(row["taken"]), case_id=row["case_id"],
                          answered_at=from_db(row["answered_at"]))
