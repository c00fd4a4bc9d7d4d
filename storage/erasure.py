"""Anonymising what residents told us (on their request, or after the retention period), the
erasure requests themselves, and the daily retention run's claim."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import CLOSED_STATUSES
from storage.timefmt import from_db, to_db

#: The answers a case keeps once anonymised: none of them says who or where.
KEPT_DETAILS = ("urgent", "unfinished")
#: Audit detail keys that hold copies of what a resident wrote (a joining reporter's answers).
PERSONAL_DETAIL_KEYS = ("details", "text", "phone", "name", "username", "where", "query", "comment")

#: Only entries whose detail holds one of those keys need reading (the JSON is written with ": ").
_HAS_PERSONAL_KEY = " OR ".join(f"instr(detail, '\"{key}\": ') > 0" for key in PERSONAL_DETAIL_KEYS)

_CLOSED = tuple(str(status) for status in CLOSED_STATUSES)
_CLOSED_SQL = ", ".join("?" for _ in _CLOSED)


class ErasureRequestRepo:
    """The /erase confirmations offered, each bound to the person and the message it was sent as."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def offer(self, user_id: int, chat_id: int, now: datetime) -> int:
        return await self._db.insert(
            "INSERT INTO erasure_requests (user_id, chat_id, created_at) VALUES (?, ?, ?)",
            (user_id, chat_id, to_db(now)))

    async def set_message(self, request_id: int, message_id: int) -> None:
        await self._db.execute("UPDATE erasure_requests SET message_id = ? WHERE id = ?", (message_id, request_id))

    async def claim(self, request_id: int, user_id: int, chat_id: int, message_id: int, state: str,
                    now: datetime) -> bool:
        """Moves an offered request to `state`, only for its person on its own message; False if it
        is not theirs, not that message, or was decided already (a double tap)."""
        return await self._db.execute(
            """UPDATE erasure_requests SET state = ?, decided_at = ?
               WHERE id = ? AND user_id = ? AND chat_id = ? AND message_id = ? AND state = 'offered'""",
            (state, to_db(now), request_id, user_id, chat_id, message_id)) == 1

    async def state_of(self, request_id: int, user_id: int) -> str | None:
        return await self._db.fetch_value(
            "SELECT state FROM erasure_requests WHERE id = ? AND user_id = ?", (request_id, user_id))

    async def of_person(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch_all(
            "SELECT id, state, created_at, decided_at FROM erasure_requests WHERE user_id = ? ORDER BY id",
            (user_id,))
        return [{"requested_at": from_db(r["created_at"]).isoformat(), "state": r["state"],
                 "decided_at": from_db(r["decided_at"]).isoformat() if r["decided_at"] else None} for r in rows]


class ErasureRepo:
    """The anonymising writes. Each leaves the rows (and so every figure) in place."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def secure_delete(self) -> None:
        """Deleted and overwritten content is zeroed in the file, not left in free space."""
        await self._db.execute("PRAGMA secure_delete = ON")

    async def compact(self) -> None:
        """Merges the search index (dropping deleted terms) and checkpoints the WAL into the file
        and truncates it, so no earlier copy of an erased page stays on disk."""
        await self._db.execute("INSERT INTO case_search (case_search) VALUES ('optimize')")
        await self._db.truncate_wal()

    # --- a person -------------------------------------------------------------------------------

    async def reported_cases(self, user_id: int) -> list[tuple[int, bool, str]]:
        """(case id, first reporter?, status) of every case this person reported."""
        rows = await self._db.fetch_all(
            """SELECT c.id, r.is_primary, c.status FROM case_reporters r JOIN cases c ON c.id = r.case_id
               WHERE r.user_id = ? ORDER BY c.id""", (user_id,))
        return [(r["id"], bool(r["is_primary"]), r["status"]) for r in rows]

    async def tip_count(self, user_id: int) -> int:
        return await self._db.fetch_value("SELECT count(*) FROM alert_tips WHERE user_id = ?", (user_id,))

    async def phones_and_name(self, user_id: int) -> tuple[set[str], str]:
        """Every phone number the person gave (reports, tips), and their stored name."""
        rows = await self._db.fetch_all(
            """SELECT phone FROM case_reporters WHERE user_id = ? AND phone IS NOT NULL
               UNION SELECT phone FROM alert_tips WHERE user_id = ? AND phone IS NOT NULL""", (user_id, user_id))
        name = await self._db.fetch_value("SELECT first_name FROM users WHERE user_id = ?", (user_id,))
        return {r["phone"] for r in rows}, name or ""

    async def erase_profile(self, user_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE users SET first_name = '', username = NULL, erased_at = ?, updated_at = ? WHERE user_id = ?",
            (to_db(now), to_db(now), user_id))

    async def erase_own_words(self, user_id: int, case_id: int) -> None:
        """A reporter's phone, additions (answers included), their media and the inbox copies."""
        await self._db.execute(
            """UPDATE case_inbox SET text = '' WHERE case_id = ? AND text IN
                 (SELECT text FROM case_additions WHERE case_id = ? AND user_id = ? AND text != '')""",
            (case_id, case_id, user_id))
        await self._db.execute(
            """DELETE FROM case_media WHERE addition_id IN
                 (SELECT id FROM case_additions WHERE case_id = ? AND user_id = ?)""", (case_id, user_id))
        await self._db.execute("UPDATE case_additions SET text = '' WHERE case_id = ? AND user_id = ?",
                               (case_id, user_id))
        await self._db.execute("UPDATE case_reporters SET phone = NULL WHERE case_id = ? AND user_id = ?",
                               (case_id, user_id))

    async def erase_report(self, case_id: int, now: datetime) -> None:
        """The first reporter's own report: description, answers, media, follow-up comment."""
        row = await self._db.fetch_one("SELECT details FROM cases WHERE id = ?", (case_id,))
        details = json.loads(row["details"]) if row else {}
        kept = {key: details[key] for key in KEPT_DETAILS if key in details}
        await self._db.execute(
            "UPDATE cases SET description = '', details = ?, anonymised_at = ? WHERE id = ?",
            (json.dumps(kept), to_db(now), case_id))
        await self._db.execute("DELETE FROM case_media WHERE case_id = ? AND addition_id IS NULL", (case_id,))
        await self._db.execute("UPDATE case_followups SET comment = NULL WHERE case_id = ?", (case_id,))

    async def erase_tips(self, user_id: int) -> int:
        return await self._db.execute(
            """UPDATE alert_tips SET text = '', file_id = NULL, latitude = NULL, longitude = NULL, phone = NULL
               WHERE user_id = ?""", (user_id,))

    async def erase_drafts(self, user_id: int) -> int:
        drafts = await self._db.execute("DELETE FROM dialogue_drafts WHERE user_id = ?", (user_id,))
        await self._db.execute("DELETE FROM dialogue_answers WHERE user_id = ?", (user_id,))
        return drafts

    async def erase_searches_for(self, needles: list[str]) -> int:
        """Staff searches that typed this person's phone or name."""
        removed = 0
        for needle in needles:
            removed += await self._db.execute("DELETE FROM case_searches WHERE instr(query, ?) > 0", (needle,))
        return removed

    async def scrub_audit_of(self, user_id: int) -> int:
        """The copies of what this person wrote in the audit entries of their own actions."""
        rows = await self._db.fetch_all(
            "SELECT id, detail FROM audit_log WHERE actor_id = ? AND detail != '{}'", (user_id,))
        return await self._scrub(rows)

    async def _scrub(self, rows) -> int:
        scrubbed = 0
        for row in rows:
            detail = json.loads(row["detail"])
            kept = {key: value for key, value in detail.items() if key not in PERSONAL_DETAIL_KEYS}
            if kept != detail:
                await self._db.execute("UPDATE audit_log SET detail = ? WHERE id = ?",
                                       (json.dumps(kept, ensure_ascii=False, sort_keys=True), row["id"]))
                scrubbed += 1
        return scrubbed

    # --- open cases kept open (privacy.keep_open_cases) -------------------------------------------

    async def add_pending(self, case_id: int, user_id: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO erasure_pending (case_id, user_id, created_at) VALUES (?, ?, ?)",
            (case_id, user_id, to_db(now)))

    async def pending_closed(self) -> list[tuple[int, int]]:
        """(case id, user id) of pending erasures whose case is closed now."""
        rows = await self._db.fetch_all(
            f"""SELECT p.case_id, p.user_id FROM erasure_pending p JOIN cases c ON c.id = p.case_id
                WHERE c.status IN ({_CLOSED_SQL}) ORDER BY p.case_id""", _CLOSED)
        return [(r["case_id"], r["user_id"]) for r in rows]

    async def drop_pending(self, case_id: int, user_id: int) -> None:
        await self._db.execute("DELETE FROM erasure_pending WHERE case_id = ? AND user_id = ?", (case_id, user_id))

    async def pending_count(self, user_id: int) -> int:
        return await self._db.fetch_value("SELECT COUNT(*) FROM erasure_pending WHERE user_id = ?", (user_id,))

    # --- retention --------------------------------------------------------------------------------

    async def closed_before(self, before: datetime, limit: int = 500) -> list[int]:
        """Closed cases not changed since `before` and not anonymised yet."""
        rows = await self._db.fetch_all(
            f"""SELECT id FROM cases WHERE status IN ({_CLOSED_SQL}) AND updated_at < ? AND anonymised_at IS NULL
                ORDER BY id LIMIT ?""", (*_CLOSED, to_db(before), limit))
        return [r["id"] for r in rows]

    async def reporters_of(self, case_id: int) -> list[int]:
        rows = await self._db.fetch_all("SELECT user_id FROM case_reporters WHERE case_id = ?", (case_id,))
        return [r["user_id"] for r in rows]

    async def erase_tips_of_alerts_closed_before(self, before: datetime) -> int:
        """Residents' tips about alerts that ended before `before`."""
        return await self._db.execute(
            """UPDATE alert_tips SET text = '', file_id = NULL, latitude = NULL, longitude = NULL, phone = NULL
               WHERE alert_id IN (SELECT id FROM alerts WHERE closed_at IS NOT NULL AND closed_at < ?)
                 AND (text != '' OR file_id IS NOT NULL OR latitude IS NOT NULL OR phone IS NOT NULL)""",
            (to_db(before),))

    async def scrub_audit_before(self, before: datetime) -> int:
        """Old audit entries keep who did what, not the copies of what residents wrote."""
        rows = await self._db.fetch_all(
            f"SELECT id, detail FROM audit_log WHERE at < ? AND ({_HAS_PERSONAL_KEY})", (to_db(before),))
        return await self._scrub(rows)

    async def scrub_case_audit(self, case_id: int) -> int:
        rows = await self._db.fetch_all(
            "SELECT id, detail FROM audit_log WHERE subject_type = 'case' AND subject_id = ? AND detail != '{}'",
            (str(case_id),))
        return await self._scrub(rows)

    async def drop_stale_drafts(self, dialogue: str, before: datetime) -> int:
        """Drafts of a dialogue untouched past their time to live (an urgent report's draft, which
        has a case, is closed by the dialogues' sweep, which keeps what it holds)."""
        return await self._db.execute(
            "DELETE FROM dialogue_drafts WHERE dialogue = ? AND updated_at < ? AND case_id IS NULL",
            (dialogue, to_db(before)))

    async def drop_unlinked_answers(self, before: datetime) -> int:
        """Which-message-answered-what rows of dialogues that ended without a case."""
        return await self._db.execute(
            """DELETE FROM dialogue_answers WHERE case_id IS NULL AND answered_at < ?
                 AND NOT EXISTS (SELECT 1 FROM dialogue_drafts d WHERE d.user_id = dialogue_answers.user_id
                                 AND d.dialogue = dialogue_answers.dialogue)""", (to_db(before),))

    async def drop_searches_before(self, before: datetime) -> int:
        return await self._db.execute("DELETE FROM case_searches WHERE created_at < ?", (to_db(before),))

    async def claim_run(self, run_date: str, now: datetime) -> bool:
        """Marks the retention run of a local date as started; False if it already was."""
        return await self._db.execute("INSERT OR IGNORE INTO retention_runs (run_date, ran_at) VALUES (?, ?)",
                                      (run_date, to_db(now))) == 1

    async def record_run(self, run_date: str, counts: dict[str, int]) -> None:
        await self._db.execute("UPDATE retention_runs SET counts = ? WHERE run_date = ?",
                               (json.dumps(counts, sort_keys=True), run_date))

    async def runs(self) -> list[tuple[str, dict[str, int]]]:
        rows = await self._db.fetch_all("SELECT run_date, counts FROM retention_runs ORDER BY run_date")
        return [(r["run_date"], json.loads(r["counts"])) for r in rows]
