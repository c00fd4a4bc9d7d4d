"""Reading everything stored about one person, for /mydata: only their own rows and words, never
another reporter's, never staff notes."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database
from storage.timefmt import from_db


def _iso(value: str | None) -> str | None:
    return from_db(value).isoformat() if value else None


class PersonalDataRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def profile(self, user_id: int) -> dict[str, Any] | None:
        row = await self._db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return {"user_id": row["user_id"], "first_name": row["first_name"], "username": row["username"],
                "telegram_language": row["telegram_language"], "area": row["area"],
                "first_contact": _iso(row["created_at"]), "erased_at": _iso(row["erased_at"])}

    async def preferences(self, user_id: int) -> dict[str, Any]:
        row = await self._db.fetch_one("SELECT language, prefers_anonymous, away_since FROM users WHERE user_id = ?",
                                       (user_id,))
        if row is None:
            return {}
        return {"language": row["language"], "prefers_anonymous": bool(row["prefers_anonymous"]),
                "away_since": _iso(row["away_since"])}

    async def roles(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch_all("SELECT role, granted_at FROM user_roles WHERE user_id = ? ORDER BY role",
                                        (user_id,))
        return [{"role": r["role"], "granted_at": _iso(r["granted_at"])} for r in rows]

    async def reports(self, user_id: int) -> list[dict[str, Any]]:
        """Each case the person reported, with only what they themselves gave."""
        rows = await self._db.fetch_all(
            """SELECT c.id, c.ref, c.kind, c.category, c.status, c.area, c.description, c.details, c.created_at,
                      r.is_primary, r.anonymous, r.phone, r.joined_at
               FROM case_reporters r JOIN cases c ON c.id = r.case_id WHERE r.user_id = ? ORDER BY c.id""",
            (user_id,))
        reports = []
        for row in rows:
            primary = bool(row["is_primary"])
            report: dict[str, Any] = {
                "reference": row["ref"], "kind": row["kind"], "category": row["category"], "status": row["status"],
                "area": row["area"], "reported_at": _iso(row["created_at"] if primary else row["joined_at"]),
                "first_reporter": primary, "anonymous": bool(row["anonymous"]), "phone": row["phone"],
            }
            if primary:
                report["description"] = row["description"]
                report["answers"] = json.loads(row["details"])
                report["media"] = await self._media(row["id"], None)
            else:
                report["answers"] = await self._joined_answers(row["id"], user_id)
            report["additions"] = await self._additions(row["id"], user_id)
            reports.append(report)
        return reports

    async def _media(self, case_id: int, addition_id: int | None) -> list[dict[str, Any]]:
        clause = "addition_id IS NULL" if addition_id is None else "addition_id = ?"
        params = (case_id,) if addition_id is None else (case_id, addition_id)
        rows = await self._db.fetch_all(
            f"SELECT media_type, file_id, added_at FROM case_media WHERE case_id = ? AND {clause} ORDER BY id", params)
        return [{"type": r["media_type"], "telegram_file_id": r["file_id"], "added_at": _iso(r["added_at"])}
                for r in rows]

    async def _joined_answers(self, case_id: int, user_id: int) -> dict[str, Any]:
        row = await self._db.fetch_one(
            """SELECT detail FROM audit_log WHERE action = 'case.joined' AND subject_type = 'case'
               AND subject_id = ? AND actor_id = ? ORDER BY id LIMIT 1""", (str(case_id), user_id))
        return (json.loads(row["detail"]).get("details") or {}) if row else {}

    async def _additions(self, case_id: int, user_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch_all(
            "SELECT id, text, created_at FROM case_additions WHERE case_id = ? AND user_id = ? ORDER BY id",
            (case_id, user_id))
        return [{"text": r["text"], "added_at": _iso(r["created_at"]), "media": await self._media(case_id, r["id"])}
                for r in rows]

    async def answers_to_questions(self, user_id: int) -> list[dict[str, Any]]:
        """Staff questions put to the person and what they answered (the addition made then)."""
        rows = await self._db.fetch_all(
            """SELECT c.ref, q.text AS question, q.asked_at, q.answered_at, a.text AS answer
               FROM case_questions q JOIN cases c ON c.id = q.case_id
               LEFT JOIN case_additions a ON a.case_id = q.case_id AND a.user_id = q.reporter_id
                                          AND a.created_at = q.answered_at
               WHERE q.reporter_id = ? ORDER BY q.id""", (user_id,))
        return [{"reference": r["ref"], "question": r["question"], "asked_at": _iso(r["asked_at"]),
                 "answered_at": _iso(r["answered_at"]), "answer": r["answer"]} for r in rows]

    async def follow_ups(self, user_id: int) -> list[dict[str, Any]]:
        """The follow-up visit's answers on the cases the person first reported."""
        rows = await self._db.fetch_all(
            """SELECT c.ref, f.asked_at, f.solved, f.stars, f.comment, f.no_response
               FROM case_followups f JOIN cases c ON c.id = f.case_id
               JOIN case_reporters r ON r.case_id = f.case_id AND r.user_id = ? AND r.is_primary = 1
               WHERE f.asked_at IS NOT NULL ORDER BY c.id""", (user_id,))
        return [{"reference": r["ref"], "asked_at": _iso(r["asked_at"]),
                 "solved": None if r["solved"] is None else bool(r["solved"]), "stars": r["stars"],
                 "comment": r["comment"], "no_response": bool(r["no_response"])} for r in rows]

    async def alert_tips(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch_all(
            """SELECT a.ref, t.kind, t.text, t.file_id, t.latitude, t.longitude, t.phone, t.created_at
               FROM alert_tips t JOIN alerts a ON a.id = t.alert_id WHERE t.user_id = ? ORDER BY t.id""",
            (user_id,))
        return [{"alert": r["ref"], "kind": r["kind"], "text": r["text"], "telegram_file_id": r["file_id"],
                 "location": [r["latitude"], r["longitude"]] if r["latitude"] is not None else None,
                 "phone": r["phone"], "sent_at": _iso(r["created_at"])} for r in rows]

    async def unfinished(self, user_id: int) -> list[dict[str, Any]]:
        """Dialogues in progress: the answers given so far."""
        rows = await self._db.fetch_all(
            "SELECT dialogue, data, started_at, updated_at FROM dialogue_drafts WHERE user_id = ? ORDER BY dialogue",
            (user_id,))
        return [{"dialogue": r["dialogue"], "answers": json.loads(r["data"]), "started_at": _iso(r["started_at"]),
                 "updated_at": _iso(r["updated_at"])} for r in rows]
