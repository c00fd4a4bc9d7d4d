"""Repositories for cases (with their reporters, media and additions) and reporters' preferences."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import CLOSED_STATUSES, Case, CaseAddition, CaseMedia, CaseReporter
from storage.timefmt import from_db, to_db


class CaseRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        kind: str,
        category: str,
        language: str,
        origin_group_id: int | None,
        area: str | None,
        description: str,
        details: dict[str, Any],
        emergency: bool,
        complete: bool,
        grade: str | None,
        related_case_id: int | None,
        now: datetime,
    ) -> Case:
        """A new case; its reference PA-YYYY-NNNNNN comes from its never-reused id."""
        case_id = await self._db.insert(
            """INSERT INTO cases (ref, kind, category, grade, emergency, complete, language, origin_group_id,
                 area, description, details, related_case_id, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                f"pending-{secrets.token_hex(8)}", kind, category, grade, int(emergency), int(complete), language,
                origin_group_id, area, description, json.dumps(details, ensure_ascii=False), related_case_id,
                to_db(now), to_db(now),
            ),
        )
        await self._db.write("UPDATE cases SET ref = ? WHERE id = ?", (f"PA-{now.year}-{case_id:06d}", case_id))
        case = await self.get(case_id)
        assert case is not None
        return case

    async def complete(
        self, case_id: int, *, category: str, area: str | None, description: str, details: dict[str, Any],
        related_case_id: int | None, now: datetime,
    ) -> None:
        """Fill in an emergency case created before the report was finished."""
        await self._db.execute(
            """UPDATE cases SET category = ?, area = ?, description = ?, details = ?, related_case_id = ?,
                 complete = 1, updated_at = ? WHERE id = ?""",
            (category, area, description, json.dumps(details, ensure_ascii=False), related_case_id, to_db(now),
             case_id),
        )

    async def get(self, case_id: int) -> Case | None:
        return _case(await self._db.fetch_one("SELECT * FROM cases WHERE id = ?", (case_id,)))

    async def by_ref(self, ref: str) -> Case | None:
        return _case(await self._db.fetch_one("SELECT * FROM cases WHERE ref = ?", (ref.upper(),)))

    async def add_reporter(self, case_id: int, user_id: int, *, is_primary: bool, anonymous: bool,
                           phone: str | None, now: datetime) -> bool:
        added = await self._db.execute(
            """INSERT OR IGNORE INTO case_reporters (case_id, user_id, is_primary, anonymous, phone, joined_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (case_id, user_id, int(is_primary), int(anonymous), phone, to_db(now)),
        )
        return added == 1

    async def update_reporter_contact(self, case_id: int, user_id: int, *, anonymous: bool, phone: str | None) -> None:
        await self._db.execute(
            "UPDATE case_reporters SET anonymous = ?, phone = ? WHERE case_id = ? AND user_id = ?",
            (int(anonymous), phone, case_id, user_id),
        )

    async def reporters(self, case_id: int) -> list[CaseReporter]:
        rows = await self._db.fetch_all(
            "SELECT * FROM case_reporters WHERE case_id = ? ORDER BY is_primary DESC, joined_at", (case_id,)
        )
        return [
            CaseReporter(case_id=r["case_id"], user_id=r["user_id"], is_primary=bool(r["is_primary"]),
                         anonymous=bool(r["anonymous"]), phone=r["phone"], joined_at=from_db(r["joined_at"]),
                         unreachable_since=from_db(r["unreachable_since"]))
            for r in rows
        ]

    async def set_reporter_reachable(self, case_id: int, user_id: int, unreachable_since: datetime | None) -> bool:
        """Marks the reporter unreachable since a time (or reachable: None); False if that was so already."""
        flip = "unreachable_since IS NULL" if unreachable_since is not None else "unreachable_since IS NOT NULL"
        return await self._db.execute(
            f"UPDATE case_reporters SET unreachable_since = ? WHERE case_id = ? AND user_id = ? AND {flip}",
            (to_db(unreachable_since) if unreachable_since else None, case_id, user_id),
        ) == 1

    async def add_media(self, case_id: int, media_type: str, file_id: str, now: datetime,
                        addition_id: int | None = None) -> None:
        await self._db.write(
            "INSERT INTO case_media (case_id, addition_id, media_type, file_id, added_at) VALUES (?, ?, ?, ?, ?)",
            (case_id, addition_id, media_type, file_id, to_db(now)),
        )

    async def media(self, case_id: int) -> list[CaseMedia]:
        rows = await self._db.fetch_all("SELECT * FROM case_media WHERE case_id = ? ORDER BY id", (case_id,))
        return [
            CaseMedia(id=r["id"], case_id=r["case_id"], addition_id=r["addition_id"], media_type=r["media_type"],
                      file_id=r["file_id"], added_at=from_db(r["added_at"]))
            for r in rows
        ]

    async def add_addition(self, case_id: int, user_id: int, text: str, now: datetime) -> int:
        return await self._db.insert(
            "INSERT INTO case_additions (case_id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
            (case_id, user_id, text, to_db(now)),
        )

    async def additions(self, case_id: int) -> list[CaseAddition]:
        rows = await self._db.fetch_all("SELECT * FROM case_additions WHERE case_id = ? ORDER BY id", (case_id,))
        return [
            CaseAddition(id=r["id"], case_id=r["case_id"], user_id=r["user_id"], text=r["text"],
                         created_at=from_db(r["created_at"]))
            for r in rows
        ]

    async def of_reporter(self, user_id: int, limit: int = 20) -> list[Case]:
        rows = await self._db.fetch_all(
            """SELECT c.* FROM cases c JOIN case_reporters r ON r.case_id = c.id
               WHERE r.user_id = ? ORDER BY c.id DESC LIMIT ?""",
            (user_id, limit),
        )
        return [_case(r) for r in rows]

    async def is_reporter(self, case_id: int, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT 1 FROM case_reporters WHERE case_id = ? AND user_id = ?", (case_id, user_id)
        ))

    async def open_similar(self, category: str, area: str | None, since: datetime,
                           exclude_case_id: int | None = None) -> list[Case]:
        """Open cases of this category and area created since `since`, newest first."""
        rows = await self._db.fetch_all(
            f"""SELECT * FROM cases
                WHERE category = ? AND area IS ? AND created_at >= ? AND complete = 1
                  AND status NOT IN ({', '.join('?' for _ in CLOSED_STATUSES)}) AND id IS NOT ?
                ORDER BY id DESC LIMIT 3""",
            (category, area, to_db(since), *sorted(CLOSED_STATUSES), exclude_case_id),
        )
        return [_case(r) for r in rows]

    async def count_reported_since(self, user_id: int, since: datetime) -> int:
        return await self._db.fetch_value(
            """SELECT count(*) FROM case_reporters WHERE user_id = ? AND is_primary = 1 AND joined_at >= ?""",
            (user_id, to_db(since)),
        )


class ReporterPrefsRepo:
    """The reporter's remembered choices (anonymity)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def prefers_anonymous(self, user_id: int) -> bool:
        return bool(await self._db.fetch_value("SELECT prefers_anonymous FROM users WHERE user_id = ?", (user_id,)))

    async def set_prefers_anonymous(self, user_id: int, anonymous: bool) -> None:
        await self._db.write("UPDATE users SET prefers_anonymous = ? WHERE user_id = ?", (int(anonymous), user_id))


def _case(row) -> Case | None:
    if row is None:
        return None
    return Case(
        id=row["id"], ref=row["ref"], kind=row["kind"], category=row["category"], status=row["status"],
        grade=row["grade"], emergency=bool(row["emergency"]), complete=bool(row["complete"]),
        language=row["language"], origin_group_id=row["origin_group_id"], area=row["area"],
        description=row["description"], details=json.loads(row["details"]), related_case_id=row["related_case_id"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        owner_id=row["owner_id"], level=row["level"], accepted_at=from_db(row["accepted_at"]),
        accept_due=from_db(row["accept_due"]), resolve_due=from_db(row["resolve_due"]),
        resolved_at=from_db(row["resolved_at"]), outcome=row["outcome"], outcome_note=row["outcome_note"],
        last_action=row["last_action"], duplicate_of=row["duplicate_of"],
    )
