"""Figures over cases: what was reported in a period, how it was handled, how reporters rated it.
Also the record of weekly briefings sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db

_DONE = "status IN ('resolved', 'followed_up', 'closed')"
_OPEN = "status IN ('new', 'accepted', 'in_progress', 'reopened')"


@dataclass(frozen=True)
class CaseCounts:
    """Cases reported in a period, by what became of them."""

    received: int
    incidents: int
    disputes: int
    urgent: int
    resolved: int
    resolved_on_time: int
    rejected: int
    still_open: int
    mediated: int           # disputes settled with an agreement
    mediation_failed: int
    withdrawn: int = 0      # withdrawn by the reporter: neither handled nor rejected


@dataclass(frozen=True)
class FollowupCounts:
    """Follow-up visits asked in a period and what the reporters answered."""

    asked: int
    answered: int
    solved: int
    rated: int
    satisfied: int          # 4 or 5 stars
    average_stars: float | None
    no_response: int


@dataclass(frozen=True)
class OpenCounts:
    open: int
    overdue: int


class StatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def case_counts(self, since: datetime, until: datetime, area: str | None) -> CaseCounts:
        where, params = _period("created_at", since, until, area)
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS received,
                   coalesce(sum(kind = 'incident'), 0) AS incidents,
                   coalesce(sum(kind = 'dispute'), 0) AS disputes,
                   coalesce(sum(emergency = 1), 0) AS urgent,
                   coalesce(sum({_DONE}), 0) AS resolved,
                   coalesce(sum({_DONE} AND resolve_due IS NOT NULL AND resolved_at <= resolve_due), 0)
                     AS resolved_on_time,
                   coalesce(sum(status = 'rejected'), 0) AS rejected,
                   coalesce(sum(status = 'withdrawn'), 0) AS withdrawn,
                   coalesce(sum({_OPEN}), 0) AS still_open,
                   coalesce(sum(kind = 'dispute' AND {_DONE} AND outcome = 'mediated'), 0) AS mediated,
                   coalesce(sum(kind = 'dispute' AND {_DONE} AND outcome = 'mediation_failed'), 0)
                     AS mediation_failed
                FROM cases WHERE complete = 1 AND {where}""",
            params,
        )
        return CaseCounts(**dict(row))

    async def top_categories(self, since: datetime, until: datetime, area: str | None,
                             limit: int = 5) -> list[tuple[str, str, int]]:
        """(kind, category, count), most reported first."""
        where, params = _period("created_at", since, until, area)
        rows = await self._db.fetch_all(
            f"""SELECT kind, category, count(*) AS n FROM cases WHERE complete = 1 AND {where}
                GROUP BY kind, category ORDER BY n DESC, kind, category LIMIT ?""",
            (*params, limit),
        )
        return [(r["kind"], r["category"], r["n"]) for r in rows]

    async def followup_counts(self, since: datetime, until: datetime, area: str | None) -> FollowupCounts:
        where, params = _period("f.asked_at", since, until, area, area_column="c.area")
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS asked, count(f.solved) AS answered,
                   coalesce(sum(f.solved = 1), 0) AS solved, count(f.stars) AS rated,
                   coalesce(sum(f.stars >= 4), 0) AS satisfied, avg(f.stars) AS average_stars,
                   coalesce(sum(f.no_response = 1), 0) AS no_response
                FROM case_followups f JOIN cases c ON c.id = f.case_id WHERE {where}""",
            params,
        )
        return FollowupCounts(**dict(row))

    async def open_counts(self, now: datetime, area: str | None) -> OpenCounts:
        area_clause, params = ("AND area = ?", [area]) if area is not None else ("", [])
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS open,
                   coalesce(sum((owner_id IS NULL AND accept_due <= ?) OR resolve_due <= ?), 0) AS overdue
                FROM cases WHERE complete = 1 AND {_OPEN} {area_clause}""",
            (to_db(now), to_db(now), *params),
        )
        return OpenCounts(**dict(row))

    async def supervised_count(self, since: datetime, until: datetime, area: str | None) -> int:
        """Cases supervised (督办) in the period, each counted once however often."""
        where, params = _period("s.created_at", since, until, area, area_column="c.area")
        return await self._db.fetch_value(
            f"""SELECT count(DISTINCT s.case_id) FROM case_supervisions s JOIN cases c ON c.id = s.case_id
                WHERE {where}""",
            params,
        )

    async def areas(self) -> list[str]:
        """Every area a case has been filed under, for choosing one."""
        rows = await self._db.fetch_all("SELECT DISTINCT area FROM cases WHERE area IS NOT NULL ORDER BY area")
        return [r["area"] for r in rows]

    async def claim_briefing(self, fire_at: datetime, now: datetime) -> bool:
        """Marks the briefing for `fire_at` as sent; False if it already was (at most once)."""
        return await self._db.execute(
            "INSERT OR IGNORE INTO briefings (fire_at, sent_at) VALUES (?, ?)", (to_db(fire_at), to_db(now))
        ) > 0


def _period(column: str, since: datetime, until: datetime, area: str | None,
            area_column: str = "area") -> tuple[str, tuple]:
    where = f"{column} >= ? AND {column} < ?"
    params: tuple = (to_db(since), to_db(until))
    if area is not None:
        where += f" AND {area_column} = ?"
        params += (area,)
    return where, params
