"""A small fixed set of cases for the figures' tests, written straight into a migrated database
(the rows a station's history leaves behind, without walking every report through the bot).
Times are given in Asia/Shanghai local time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.timefmt import to_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER_LI, OFFICER_WANG, RESIDENT = 501, 502, 900
RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_USERNAME = "Zhang Xiuying", "13800138000", "zhang_xy"


def local(text: str) -> datetime:
    """'2026-03-05 10:00' in Shanghai, as an aware UTC time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


class CaseBook:
    """Writes cases one by one; each gets the next reference."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._next = 1

    async def people(self) -> None:
        now = to_db(local("2024-01-01 00:00"))
        for user_id, name, username in ((OFFICER_LI, "Officer Li", None), (OFFICER_WANG, "Officer Wang", None),
                                        (RESIDENT, RESIDENT_NAME, RESIDENT_USERNAME)):
            await self._db.execute(
                "INSERT INTO users (user_id, first_name, username, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, name, username, now, now))

    async def case(self, created: str, *, kind: str = "incident", category: str = "theft", status: str = "new",
                   grade: str | None = None, area: str | None = None, level: str | None = None,
                   owner: int | None = None, accepted_after: float | None = None,
                   resolved_after: float | None = None, outcome: str | None = None,
                   accept_limit: float = 24, resolve_limit: float = 72, anonymous: bool = False,
                   location: tuple[float, float] | None = None, complete: bool = True) -> int:
        """One case; the durations and limits are hours after it was created."""
        at = local(created)

        def later(hours: float | None) -> str | None:
            return None if hours is None else to_db(at + timedelta(hours=hours))

        ref = f"PA-{at.year}-{self._next:06d}"
        self._next += 1
        where = {"latitude": location[0], "longitude": location[1]} if location else {"address": "3号楼 502"}
        case_id = await self._db.insert(
            """INSERT INTO cases (ref, kind, category, status, grade, emergency, complete, language, area,
                   description, details, created_at, updated_at, owner_id, level, accepted_at, accept_due,
                   resolve_due, resolved_at, outcome, outcome_note)
               VALUES (?, ?, ?, ?, ?, 0, ?, 'zh', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (ref, kind, category, status, grade, int(complete), area,
             f"{RESIDENT_NAME} 的电瓶车被偷了，电话 {RESIDENT_PHONE}", json.dumps({"where": where}, ensure_ascii=False),
             to_db(at), later(resolved_after) or later(accepted_after) or to_db(at), owner, level,
             later(accepted_after), later(accept_limit), later(resolve_limit), later(resolved_after), outcome,
             f"已联系 {RESIDENT_NAME}"))
        await self._db.execute(
            "INSERT INTO case_reporters (case_id, user_id, is_primary, anonymous, phone, joined_at) "
            "VALUES (?, ?, 1, ?, ?, ?)", (case_id, RESIDENT, int(anonymous), None if anonymous else RESIDENT_PHONE,
                                          to_db(at)))
        return case_id

    async def followup(self, case_id: int, asked: str, *, solved: bool | None = None, stars: int | None = None,
                       no_response: bool = False) -> None:
        await self._db.execute(
            "INSERT INTO case_followups (case_id, asked_at, solved, stars, comment, no_response) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, to_db(local(asked)), None if solved is None else int(solved), stars,
             f"谢谢，我是 {RESIDENT_NAME}", int(no_response)))
