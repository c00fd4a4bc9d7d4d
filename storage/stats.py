"""Figures over cases: what was reported in a period, how it was handled, how reporters rated it,
who carries which load. Every figure is an SQL aggregate over indexed columns (0016_stats_indexes):
cases are never loaded to be counted. Also the record of weekly briefings sent, and the export's
rows, read in batches by id so that memory stays flat however many cases there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db

_DONE = "status IN ('resolved', 'followed_up', 'closed')"
_OPEN = "status IN ('new', 'accepted', 'in_progress', 'reopened')"
_OVERDUE = "((owner_id IS NULL AND accept_due <= :now) OR resolve_due <= :now)"
_SECONDS = "(julianday({end}) - julianday({start})) * 86400.0"

GRADES = ("red", "orange", "yellow", "green", "")        # "" not graded
LEVELS = ("grid", "community", "township", "county", "")  # "" no level set
OUTCOMES = ("resolved", "mediated", "mediation_failed", "referred", "not_police")
_DONE_DISPUTE = f"kind = 'dispute' AND {_DONE}"
#: CaseCounts' plain counts, each a sum over the period's cases.
_SCALARS = {
    "received": "1", "incidents": "kind = 'incident'", "disputes": "kind = 'dispute'", "urgent": "emergency = 1",
    "resolved": _DONE, "resolved_on_time": f"{_DONE} AND resolve_due IS NOT NULL AND resolved_at <= resolve_due",
    "rejected": "status = 'rejected'", "still_open": _OPEN, "mediated": f"{_DONE_DISPUTE} AND outcome = 'mediated'",
    "mediation_failed": f"{_DONE_DISPUTE} AND outcome = 'mediation_failed'", "withdrawn": "status = 'withdrawn'",
    "accepted": "accepted_at IS NOT NULL", "accepted_on_time": "accepted_at <= accept_due",
}
_COUNTS = {
    **_SCALARS,
    **{f"grade_{g or 'none'}": f"grade = '{g}'" if g else "grade IS NULL" for g in GRADES},
    **{f"level_{v or 'none'}": f"level = '{v}'" if v else "level IS NULL" for v in LEVELS},
    **{f"outcome_{o}": f"{_DONE} AND outcome = '{o}'" for o in OUTCOMES},
}

#: Areas to count: None for all, else the cases of these areas only.
Areas = tuple[str, ...] | None


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
    accepted: int = 0       # ever accepted by someone
    accepted_on_time: int = 0
    #: (kind, category) → cases, every category.
    by_category: dict[tuple[str, str], int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)      # "" for not graded
    by_level: dict[str, int] = field(default_factory=dict)      # "" for no handling level set
    by_outcome: dict[str, int] = field(default_factory=dict)    # of the resolved cases


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile (nearest rank) of a duration, in seconds, over `count` cases."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Durations:
    to_accept: Spread
    to_resolve: Spread
    #: grade ("" not graded) → time to resolve.
    to_resolve_by_grade: dict[str, Spread]


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


@dataclass(frozen=True)
class Workload:
    """One case owner's load: open and overdue now, resolved in the period."""

    owner_id: int
    name: str
    open: int
    overdue: int
    resolved: int


@dataclass(frozen=True)
class CaseLine:
    """A case named in the briefing (overdue, or its follow-up said not solved): no reporter data."""

    ref: str
    kind: str
    category: str
    owner_name: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class ExportRow:
    """One case's non-personal fields, for CSV and Open311 exports."""

    id: int
    ref: str
    kind: str
    category: str
    area: str | None
    grade: str | None
    level: str | None
    status: str
    outcome: str | None
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    accept_due: datetime | None
    resolve_due: datetime | None
    latitude: float | None
    longitude: float | None
    followup_solved: bool | None
    followup_stars: int | None
    followup_no_response: bool


class StatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def case_counts(self, since: datetime, until: datetime, areas: Areas) -> CaseCounts:
        """One scan of the period's cases summing every count (no GROUP BY: sorting the period's rows
        would cost more than the scan), and one small grouping by category."""
        where, params = _window("created_at", since, until, areas)
        sums = ",\n".join(f"coalesce(sum({condition}), 0) AS {name}" for name, condition in _COUNTS.items())
        row = dict(await self._db.fetch_one(f"SELECT {sums} FROM cases WHERE complete = 1 AND {where}", params))
        categories = await self._db.fetch_all(
            f"""SELECT kind, category, count(*) AS n FROM cases WHERE complete = 1 AND {where}
                GROUP BY kind, category ORDER BY n DESC, kind, category""", params)
        by_outcome = {outcome: row.pop(f"outcome_{outcome}") for outcome in OUTCOMES}
        by_outcome["other"] = row["resolved"] - sum(by_outcome.values())
        return CaseCounts(
            **{name: row.pop(name) for name in _SCALARS},
            by_category={(r["kind"], r["category"]): r["n"] for r in categories},
            by_grade={grade: n for grade in GRADES if (n := row.pop(f"grade_{grade or 'none'}"))},
            by_level={level: n for level in LEVELS if (n := row.pop(f"level_{level or 'none'}"))},
            by_outcome=dict(sorted(((k, n) for k, n in by_outcome.items() if n), key=lambda item: -item[1])),
        )

    async def durations(self, since: datetime, until: datetime, areas: Areas, by_grade: bool = False) -> Durations:
        """Time to accept and to resolve for the period's cases (to resolve also by grade, if asked)."""
        where, params = _window("created_at", since, until, areas)
        accept = await self._spread(_SECONDS.format(end="accepted_at", start="created_at"),
                                    f"complete = 1 AND accepted_at IS NOT NULL AND {where}", params)
        resolve_seconds = _SECONDS.format(end="resolved_at", start="created_at")
        resolve_where = f"complete = 1 AND {_DONE} AND resolved_at IS NOT NULL AND {where}"
        grades = {}
        if by_grade:
            for grade in GRADES:
                clause = f"grade = '{grade}'" if grade else "grade IS NULL"
                spread = await self._spread(resolve_seconds, f"{resolve_where} AND {clause}", params)
                if spread.count:
                    grades[grade] = spread
        return Durations(to_accept=accept, to_resolve=await self._spread(resolve_seconds, resolve_where, params),
                         to_resolve_by_grade=grades)

    async def _spread(self, seconds: str, where: str, params: dict) -> Spread:
        """Median and p90 by nearest rank, each the one row at its rank: SQLite keeps a heap of the
        rows up to it instead of ranking them all (window functions would)."""
        count = await self._db.fetch_value(f"SELECT count(*) FROM cases WHERE {where}", params)
        if not count:
            return Spread(0, None, None)
        median_rank, p90_rank = (count * 50 + 99) // 100, (count * 90 + 99) // 100
        median = await self._db.fetch_value(
            f"SELECT {seconds} AS s FROM cases WHERE {where} ORDER BY s LIMIT 1 OFFSET :rank",
            {**params, "rank": median_rank - 1})
        p90 = await self._db.fetch_value(  # counted from the top: a heap of a tenth of the rows
            f"SELECT {seconds} AS s FROM cases WHERE {where} ORDER BY s DESC LIMIT 1 OFFSET :rank",
            {**params, "rank": count - p90_rank})
        return Spread(count, max(0.0, median), max(0.0, p90))

    async def followup_counts(self, since: datetime, until: datetime, areas: Areas) -> FollowupCounts:
        where, params = _window("f.asked_at", since, until, areas, area_column="c.area")
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS asked, count(f.solved) AS answered,
                   coalesce(sum(f.solved = 1), 0) AS solved, count(f.stars) AS rated,
                   coalesce(sum(f.stars >= 4), 0) AS satisfied, avg(f.stars) AS average_stars,
                   coalesce(sum(f.no_response = 1), 0) AS no_response
                FROM case_followups f {_cases_join(areas)} WHERE {where}""",
            params,
        )
        return FollowupCounts(**dict(row))

    async def open_counts(self, now: datetime, areas: Areas) -> OpenCounts:
        area_clause, params = _area_clause("area", areas)
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS open, coalesce(sum({_OVERDUE}), 0) AS overdue
                FROM cases WHERE complete = 1 AND {_OPEN} {area_clause}""",
            {"now": to_db(now), **params},
        )
        return OpenCounts(**dict(row))

    async def supervised_count(self, since: datetime, until: datetime, areas: Areas) -> int:
        """Cases supervised (督办) in the period, each counted once however often."""
        where, params = _window("s.created_at", since, until, areas, area_column="c.area")
        return await self._db.fetch_value(
            f"""SELECT count(DISTINCT s.case_id) FROM case_supervisions s JOIN cases c ON c.id = s.case_id
                WHERE {where}""",
            params,
        )

    async def cases_by_bucket(self, since: datetime, until: datetime, areas: Areas,
                              bucket_days: int) -> dict[tuple[int, str], int]:
        """(bucket number from `since`, kind) → cases created, buckets `bucket_days` long."""
        where, params = _window("created_at", since, until, areas)
        rows = await self._db.fetch_all(
            f"""SELECT CAST((julianday(created_at) - julianday(:since)) / :days AS INTEGER) AS bucket, kind,
                   count(*) AS n
                FROM cases WHERE complete = 1 AND {where} GROUP BY bucket, kind""",
            {**params, "days": bucket_days},
        )
        return {(r["bucket"], r["kind"]): r["n"] for r in rows}

    async def satisfaction_by_bucket(self, since: datetime, until: datetime, areas: Areas,
                                     bucket_days: int) -> dict[int, tuple[int, int]]:
        """Bucket → (reporters who rated, of whom gave 4–5 stars), by when the visit was asked."""
        where, params = _window("f.asked_at", since, until, areas, area_column="c.area")
        rows = await self._db.fetch_all(
            f"""SELECT CAST((julianday(f.asked_at) - julianday(:since)) / :days AS INTEGER) AS bucket,
                   count(f.stars) AS rated, coalesce(sum(f.stars >= 4), 0) AS satisfied
                FROM case_followups f {_cases_join(areas)} WHERE {where} GROUP BY bucket""",
            {**params, "days": bucket_days},
        )
        return {r["bucket"]: (r["rated"], r["satisfied"]) for r in rows}

    async def workload(self, since: datetime, until: datetime, now: datetime, areas: Areas) -> list[Workload]:
        """Every case owner with open cases now or cases resolved in the period, busiest first: the open
        ones and the resolved ones each found by their own index, then added up by owner."""
        area_clause, area_params = _area_clause("area", areas)
        params = {"now": to_db(now), "since": to_db(since), "until": to_db(until), **area_params}
        rows = await self._db.fetch_all(
            f"""SELECT w.owner_id, coalesce(u.first_name, '') AS name, sum(w.open) AS open,
                   sum(w.overdue) AS overdue, sum(w.resolved) AS resolved
                FROM (SELECT owner_id, count(*) AS open, coalesce(sum({_OVERDUE}), 0) AS overdue, 0 AS resolved
                      FROM cases WHERE complete = 1 AND {_OPEN} AND owner_id IS NOT NULL {area_clause}
                      GROUP BY owner_id
                      UNION ALL
                      SELECT owner_id, 0, 0, count(*) FROM cases
                      WHERE resolved_at >= :since AND resolved_at < :until AND complete = 1 AND {_DONE}
                        AND owner_id IS NOT NULL {area_clause}
                      GROUP BY owner_id) AS w
                LEFT JOIN users u ON u.user_id = w.owner_id
                GROUP BY w.owner_id ORDER BY open DESC, resolved DESC, w.owner_id""",
            params,
        )
        return [Workload(r["owner_id"], r["name"], r["open"], r["overdue"], r["resolved"]) for r in rows]

    async def overdue_cases(self, now: datetime, areas: Areas, limit: int) -> tuple[list[CaseLine], int]:
        """The open cases past a time limit now, most overdue first (up to `limit`), and how many in all."""
        area_clause, params = _area_clause("c.area", areas)
        where = f"c.complete = 1 AND c.{_OPEN} AND {_OVERDUE} {area_clause}"
        params = {"now": to_db(now), **params}
        total = await self._db.fetch_value(f"SELECT count(*) FROM cases c WHERE {where}", params)
        rows = await self._db.fetch_all(
            f"""SELECT c.ref, c.kind, c.category, u.first_name AS owner_name,
                   CASE WHEN c.owner_id IS NULL THEN c.accept_due ELSE c.resolve_due END AS due_at
                FROM cases c LEFT JOIN users u ON u.user_id = c.owner_id WHERE {where}
                ORDER BY due_at, c.id LIMIT :limit""",
            {**params, "limit": limit},
        )
        return [_case_line(r) for r in rows], total

    async def not_solved_cases(self, since: datetime, until: datetime, areas: Areas) -> list[CaseLine]:
        """Cases whose follow-up visit, asked in the period, was answered "not solved"."""
        where, params = _window("f.asked_at", since, until, areas, area_column="c.area")
        rows = await self._db.fetch_all(
            f"""SELECT c.ref, c.kind, c.category, u.first_name AS owner_name, NULL AS due_at
                FROM case_followups f JOIN cases c ON c.id = f.case_id
                LEFT JOIN users u ON u.user_id = c.owner_id
                WHERE f.solved = 0 AND {where} ORDER BY f.asked_at, c.id""",
            params,
        )
        return [_case_line(r) for r in rows]

    async def areas(self) -> list[str]:
        """Every area a case has been filed under, for choosing one."""
        rows = await self._db.fetch_all("SELECT DISTINCT area FROM cases WHERE area IS NOT NULL ORDER BY area")
        return [r["area"] for r in rows]

    async def export_batch(self, since: datetime | None, until: datetime | None, areas: Areas,
                           after_id: int, limit: int) -> list[ExportRow]:
        """The next `limit` cases by id after `after_id`, created in [since, until) if given."""
        clauses, params = ["c.complete = 1", "c.id > :after"], {"after": after_id, "limit": limit}
        if since is not None:
            clauses.append("c.created_at >= :since")
            params["since"] = to_db(since)
        if until is not None:
            clauses.append("c.created_at < :until")
            params["until"] = to_db(until)
        area_clause, area_params = _area_clause("c.area", areas)
        rows = await self._db.fetch_all(
            f"""SELECT c.id, c.ref, c.kind, c.category, c.area, c.grade, c.level, c.status, c.outcome,
                   c.created_at, c.updated_at, c.accepted_at, c.resolved_at, c.accept_due, c.resolve_due,
                   CASE WHEN c.status IN ('closed', 'rejected', 'withdrawn') THEN c.updated_at END AS closed_at,
                   json_extract(c.details, '$.where.latitude') AS latitude,
                   json_extract(c.details, '$.where.longitude') AS longitude,
                   f.solved AS followup_solved, f.stars AS followup_stars,
                   coalesce(f.no_response, 0) AS followup_no_response
                FROM cases c LEFT JOIN case_followups f ON f.case_id = c.id
                WHERE {' AND '.join(clauses)} {area_clause} ORDER BY c.id LIMIT :limit""",
            {**params, **area_params},
        )
        return [_export_row(r) for r in rows]

    async def claim_briefing(self, fire_at: datetime, now: datetime) -> bool:
        """Marks the briefing for `fire_at` as sent; False if it already was (at most once)."""
        return await self._db.execute(
            "INSERT OR IGNORE INTO briefings (fire_at, sent_at) VALUES (?, ?)", (to_db(fire_at), to_db(now))
        ) > 0


def _case_line(row) -> CaseLine:
    return CaseLine(row["ref"], row["kind"], row["category"], row["owner_name"], from_db(row["due_at"]))


def _export_row(row) -> ExportRow:
    values = dict(row)
    for key in ("created_at", "updated_at", "accepted_at", "resolved_at", "closed_at", "accept_due", "resolve_due"):
        values[key] = from_db(values[key])
    values["followup_solved"] = None if row["followup_solved"] is None else bool(row["followup_solved"])
    values["followup_no_response"] = bool(row["followup_no_response"])
    return ExportRow(**values)


def _cases_join(areas: Areas) -> str:
    """Follow-ups need their cases only to filter by area."""
    return "" if areas is None else "JOIN cases c ON c.id = f.case_id"


def _area_clause(column: str, areas: Areas) -> tuple[str, dict]:
    if areas is None:
        return "", {}
    names = {f"area{i}": area for i, area in enumerate(areas)}
    if not names:
        return "AND 0", {}
    return f"AND {column} IN ({', '.join(':' + key for key in names)})", names


def _window(column: str, since: datetime, until: datetime, areas: Areas,
            area_column: str = "area") -> tuple[str, dict]:
    area_clause, params = _area_clause(area_column, areas)
    return f"{column} >= :since AND {column} < :until {area_clause}", {
        "since": to_db(since), "until": to_db(until), **params}
