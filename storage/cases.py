"""Repository for the case workflow: guarded status changes, notes, alarms, follow-ups.

Status changes are conditional UPDATEs (`WHERE status IN (...)`): of two staff pressing at once,
exactly one changes the row, and only that one goes on to notify anybody.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import CLOSED_STATUSES, OPEN_STATUSES, Case, CaseAlarm, CaseNote, CaseStatus, Followup, StaffInput
from storage.reports import _case
from storage.timefmt import from_db, to_db

#: Status sets as SQL lists (constants of the code, never user input).
_OPEN_SQL = ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES))
_RESOLVED_SQL = ", ".join(f"'{status}'" for status in sorted(CLOSED_STATUSES - {CaseStatus.REJECTED,
                                                                                  CaseStatus.WITHDRAWN}))
_FIELDS = ("status", "grade", "owner_id", "level", "accepted_at", "accept_due", "resolve_due", "resolved_at",
           "outcome", "outcome_note", "last_action", "category", "duplicate_of")


class WorkflowRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, case_id: int) -> Case | None:
        return _case(await self._db.fetch_one("SELECT * FROM cases WHERE id = ?", (case_id,)))

    async def by_ref(self, ref: str) -> Case | None:
        return _case(await self._db.fetch_one("SELECT * FROM cases WHERE ref = ?", (ref.strip().upper(),)))

    async def change(self, case_id: int, now: datetime, *, from_statuses: Iterable[str] | None = None,
                     require_owner: int | None = None, **fields: Any) -> bool:
        """Set fields if the case is (still) in one of `from_statuses`; False if it was not."""
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError(f"not a workflow field: {sorted(unknown)}")
        values = [to_db(v) if isinstance(v, datetime) else v for v in fields.values()]
        sets = ", ".join(f"{name} = ?" for name in fields)
        where, params = ["id = ?"], [case_id]
        if from_statuses is not None:
            statuses = list(from_statuses)
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params += statuses
        if require_owner is not None:
            where.append("owner_id IS ?")
            params.append(require_owner)
        changed = await self._db.execute(
            f"UPDATE cases SET {sets}, updated_at = ? WHERE {' AND '.join(where)}",
            (*values, to_db(now), *params),
        )
        return changed == 1

    async def plan_deadlines(self, case_id: int, now: datetime, *, accept_due: datetime | None = None,
                             resolve_due: datetime | None = None) -> None:
        """New limits for the case (None keeps one), whatever its status: `write`, so inside the
        caller's transaction it goes with the next statement."""
        await self._db.write(
            "UPDATE cases SET accept_due = coalesce(?, accept_due), resolve_due = coalesce(?, resolve_due), "
            "updated_at = ? WHERE id = ?",
            (to_db(accept_due) if accept_due else None, to_db(resolve_due) if resolve_due else None, to_db(now),
             case_id))

    async def add_note(self, case_id: int, author_id: int, text: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO case_notes (case_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
            (case_id, author_id, text, to_db(now)),
        )

    async def notes(self, case_id: int) -> list[CaseNote]:
        rows = await self._db.fetch_all("SELECT * FROM case_notes WHERE case_id = ? ORDER BY id", (case_id,))
        return [CaseNote(id=r["id"], case_id=r["case_id"], author_id=r["author_id"], text=r["text"],
                         created_at=from_db(r["created_at"])) for r in rows]

    # --- alarms ------------------------------------------------------------------------------

    async def replace_alarms(self, case_id: int, kinds: Iterable[str], plan: dict[tuple[str, str], datetime]) -> None:
        """The alarms of these kinds become the plan. One already sent for the same moment stays
        sent (never twice for one deadline); one sent for a deadline that has since moved (a
        reopened or supervised case, a new grade) gives way to the new one."""
        kinds = list(kinds)
        await self.drop_alarms(case_id, kinds)
        planned = [(case_id, kind, stage, to_db(due)) for (kind, stage), due in plan.items() if kind in kinds]
        # Each row touches its own (kind, stage) only: all the deletes, then all the inserts.
        await self._db.write_many(
            "DELETE FROM case_alarms WHERE case_id = ? AND kind = ? AND stage = ? AND due_at != ?", planned)
        await self._db.write_many(
            "INSERT OR IGNORE INTO case_alarms (case_id, kind, stage, due_at) VALUES (?, ?, ?, ?)", planned)

    async def add_alarm(self, case_id: int, kind: str, stage: str, due: datetime) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO case_alarms (case_id, kind, stage, due_at) VALUES (?, ?, ?, ?)",
            (case_id, kind, stage, to_db(due)),
        )

    async def drop_alarms(self, case_id: int, kinds: Iterable[str]) -> None:
        """The alarms of these kinds not sent yet go (`write`: inside the caller's transaction, with
        its next statement)."""
        kinds = list(kinds)
        await self._db.write(
            f"DELETE FROM case_alarms WHERE case_id = ? AND sent_at IS NULL AND kind IN "
            f"({', '.join('?' for _ in kinds)})",
            (case_id, *kinds),
        )

    async def claim_due_alarms(self, now: datetime) -> list[CaseAlarm]:
        """Due alarms, marked sent in the same step so that each goes out at most once."""
        rows = await self._db.fetch_all(
            "SELECT * FROM case_alarms WHERE sent_at IS NULL AND due_at <= ? ORDER BY due_at, id", (to_db(now),)
        )
        if rows:
            await self._db.execute(
                f"UPDATE case_alarms SET sent_at = ? WHERE id IN ({', '.join('?' for _ in rows)})",
                (to_db(now), *(r["id"] for r in rows)),
            )
        return [CaseAlarm(id=r["id"], case_id=r["case_id"], kind=r["kind"], stage=r["stage"],
                          due_at=from_db(r["due_at"])) for r in rows]

    async def pending_alarms(self, case_id: int) -> list[CaseAlarm]:
        rows = await self._db.fetch_all(
            "SELECT * FROM case_alarms WHERE case_id = ? AND sent_at IS NULL ORDER BY due_at", (case_id,)
        )
        return [CaseAlarm(id=r["id"], case_id=r["case_id"], kind=r["kind"], stage=r["stage"],
                          due_at=from_db(r["due_at"])) for r in rows]

    # --- follow-ups --------------------------------------------------------------------------

    async def followup(self, case_id: int) -> Followup | None:
        row = await self._db.fetch_one("SELECT * FROM case_followups WHERE case_id = ?", (case_id,))
        if row is None:
            return None
        return Followup(case_id=row["case_id"], asked_at=from_db(row["asked_at"]),
                        solved=None if row["solved"] is None else bool(row["solved"]), stars=row["stars"],
                        comment=row["comment"], no_response=bool(row["no_response"]),
                        spot_check=bool(row["spot_check"]),
                        helped_elsewhere=None if row["helped_elsewhere"] is None else bool(row["helped_elsewhere"]))

    async def followup_by_comment_prompt(self, message_id: int) -> int | None:
        return await self._db.fetch_value(
            "SELECT case_id FROM case_followups WHERE comment_prompt_id = ? AND comment IS NULL", (message_id,))

    async def start_followup(self, case_id: int, *, spot_check: bool) -> None:
        await self._db.execute(
            """INSERT INTO case_followups (case_id, spot_check) VALUES (?, ?)
               ON CONFLICT (case_id) DO UPDATE SET asked_at = NULL, solved = NULL, stars = NULL,
                 comment = NULL, no_response = 0, spot_check = excluded.spot_check, helped_elsewhere = NULL""",
            (case_id, int(spot_check)),
        )

    async def mark_followup_asked(self, case_id: int, now: datetime) -> None:
        await self._db.execute("UPDATE case_followups SET asked_at = ? WHERE case_id = ?", (to_db(now), case_id))

    async def answer_followup(self, case_id: int, **fields: Any) -> bool:
        allowed = {"solved", "stars", "comment", "no_response", "comment_prompt_id", "helped_elsewhere"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"not a follow-up field: {sorted(set(fields) - allowed)}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        values = [int(v) if isinstance(v, bool) else v for v in fields.values()]
        return await self._db.execute(f"UPDATE case_followups SET {sets} WHERE case_id = ?", (*values, case_id)) == 1

    # --- staff inputs ------------------------------------------------------------------------

    async def set_staff_input(self, user_id: int, case_id: int, purpose: str, detail: str, now: datetime) -> None:
        await self._db.execute(
            """INSERT OR REPLACE INTO staff_inputs (user_id, case_id, purpose, detail, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (user_id, case_id, purpose, detail, to_db(now)),
        )

    async def staff_input(self, user_id: int) -> StaffInput | None:
        row = await self._db.fetch_one("SELECT * FROM staff_inputs WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return StaffInput(user_id=row["user_id"], case_id=row["case_id"], purpose=row["purpose"],
                          detail=row["detail"], created_at=from_db(row["created_at"]))

    async def clear_staff_input(self, user_id: int) -> None:
        await self._db.execute("DELETE FROM staff_inputs WHERE user_id = ?", (user_id,))

    # --- questions to reporters and the owner's inbox ----------------------------------------

    async def add_question(self, case_id: int, asker_id: int, reporter_id: int, message_id: int, text: str,
                           now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO case_questions (case_id, asker_id, reporter_id, question_message_id, text, asked_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (case_id, asker_id, reporter_id, message_id, text, to_db(now)),
        )

    async def question_for_reply(self, reporter_id: int, message_id: int) -> tuple[int, int, int] | None:
        """(question id, case id, asker id) of the question this reporter's message replies to."""
        row = await self._db.fetch_one(
            "SELECT id, case_id, asker_id FROM case_questions WHERE reporter_id = ? AND question_message_id = ?",
            (reporter_id, message_id),
        )
        return None if row is None else (row["id"], row["case_id"], row["asker_id"])

    async def latest_open_question(self, reporter_id: int, since: datetime) -> int | None:
        """The message id of the newest question to this reporter, asked since `since`, still unanswered."""
        return await self._db.fetch_value(
            """SELECT question_message_id FROM case_questions
               WHERE reporter_id = ? AND answered_at IS NULL AND asked_at >= ?
               ORDER BY asked_at DESC, id DESC LIMIT 1""",
            (reporter_id, to_db(since)),
        )

    async def latest_open_comment_prompt(self, reporter_id: int, since: datetime) -> int | None:
        """The newest follow-up comment prompt to this reporter, since `since`, with no comment yet."""
        return await self._db.fetch_value(
            """SELECT f.comment_prompt_id FROM case_followups f
               JOIN case_reporters r ON r.case_id = f.case_id AND r.is_primary = 1
               WHERE r.user_id = ? AND f.comment IS NULL AND f.comment_prompt_id IS NOT NULL AND f.asked_at >= ?
               ORDER BY f.asked_at DESC LIMIT 1""",
            (reporter_id, to_db(since)),
        )

    async def mark_question_answered(self, question_id: int, now: datetime) -> None:
        await self._db.execute("UPDATE case_questions SET answered_at = ? WHERE id = ? AND answered_at IS NULL",
                               (to_db(now), question_id))

    async def add_inbox(self, case_id: int, owner_id: int, kind: str, text: str, now: datetime) -> int:
        return await self._db.insert(
            "INSERT INTO case_inbox (case_id, owner_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?)",
            (case_id, owner_id, kind, text, to_db(now)),
        )

    async def mark_seen(self, inbox_id: int, owner_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE case_inbox SET seen_at = ? WHERE id = ? AND owner_id = ? AND seen_at IS NULL",
            (to_db(now), inbox_id, owner_id),
        ) == 1

    async def unseen_reader(self, inbox_id: int) -> int | None:
        """Who has not yet marked this inbox entry seen; None once they have."""
        return await self._db.fetch_value(
            "SELECT owner_id FROM case_inbox WHERE id = ? AND seen_at IS NULL", (inbox_id,))

    # --- lists and figures -------------------------------------------------------------------

    async def open_cases(self, *, owner_id: int | None = None, limit: int = 30) -> list[Case]:
        clause, params = "", []
        if owner_id is not None:
            clause, params = "AND owner_id = ?", [owner_id]
        rows = await self._db.fetch_all(
            f"""SELECT * FROM cases WHERE status IN ({_OPEN_SQL}) {clause}
                ORDER BY CASE grade WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2
                                    WHEN 'green' THEN 3 ELSE 4 END, id LIMIT ?""",
            (*params, limit),
        )
        return [_case(r) for r in rows]

    async def all_open_owned_by(self, owner_id: int) -> list[Case]:
        """Every open case this person owns (no limit: a hand-over moves them all)."""
        rows = await self._db.fetch_all(
            f"SELECT * FROM cases WHERE status IN ({_OPEN_SQL}) AND owner_id = ? ORDER BY id", (owner_id,))
        return [_case(r) for r in rows]

    async def duplicates_of(self, case_id: int) -> list[Case]:
        """The cases found to repeat this one, oldest first."""
        rows = await self._db.fetch_all("SELECT * FROM cases WHERE duplicate_of = ? ORDER BY id", (case_id,))
        return [_case(r) for r in rows]

    async def overdue_cases(self, now: datetime, limit: int = 30) -> list[Case]:
        rows = await self._db.fetch_all(
            f"""SELECT * FROM cases WHERE status IN ({_OPEN_SQL})
                 AND ((owner_id IS NULL AND accept_due <= ?) OR resolve_due <= ?)
               ORDER BY resolve_due LIMIT ?""",
            (to_db(now), to_db(now), limit),
        )
        return [_case(r) for r in rows]

    async def figures(self) -> dict[str, Any]:
        """The numbers the seeds report: screened, mediated, success rate, satisfaction."""
        row = await self._db.fetch_one(
            f"""SELECT
                 count(*) AS screened,
                 sum(kind = 'dispute') AS disputes,
                 sum(kind = 'dispute' AND outcome IN ('mediated', 'mediation_failed')) AS mediations,
                 sum(kind = 'dispute' AND outcome = 'mediated') AS mediated,
                 sum(status IN ({_RESOLVED_SQL})) AS resolved
               FROM cases WHERE complete = 1"""
        )
        stars = await self._db.fetch_one(
            "SELECT count(stars) AS rated, avg(stars) AS average, sum(stars >= 4) AS satisfied FROM case_followups"
        )
        return {**dict(row), **dict(stars)}
