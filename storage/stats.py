"""Figures over cases: what was reported in a period, how it was handled, how reporters rated it,
who carries which load. Every figure is an SQL aggregate over indexed columns (0016_stats_indexes):
cases are never loaded to be counted. Also the record of weekly briefings sent, and the export's
rows, read in batches by id so that memory stays flat however many cases there are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db

_DONE = "status IN ('resolved', 'followed_up', 'closed')"
_OPEN = "status IN ('new', 'accepted', 'in_progress', 'reopened')"
_OVERDUE = "((owner_id IS NULL AND accept_due <= :now) OR resolve_due <= :now)"
_SECONDS = "(julianday({end}) - julianday({start})) * 86400.0"

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
        """One grouped scan of the period's cases, folded into the counts."""
        where, params = _window("created_at", since, until, areas)
        rows = await self._db.fetch_all(
            f"""SELECT kind, category, coalesce(grade, '') AS grade, coalesce(level, '') AS level, status,
                   coalesce(outcome, '') AS outcome, emergency, count(*) AS n,
                   coalesce(sum(accepted_at IS NOT NULL), 0) AS accepted,
                   coalesce(sum(accepted_at <= accept_due), 0) AS accepted_on_time,
                   coalesce(sum(resolve_due IS NOT NULL AND resolved_at <= resolve_due), 0) AS resolved_on_time
                FROM cases WHERE complete = 1 AND {where}
                GROUP BY kind, category, grade, level, status, outcome, emergency""",
            params,
        )
        return _fold_counts(rows)

    async def durations(self, since: datetime, until: datetime, areas: Areas) -> Durations:
        """Time to accept and to resolve for the period's cases; to resolve also by grade."""
        where, params = _window("created_at", since, until, areas)
        accept = await self._spreads(_SECONDS.format(end="accepted_at", start="created_at"),
                                     f"complete = 1 AND accepted_at IS NOT NULL AND {where}", params, by_grade=False)
        resolve_where = f"complete = 1 AND {_DONE} AND resolved_at IS NOT NULL AND {where}"
        resolve_seconds = _SECONDS.format(end="resolved_at", start="created_at")
        resolve = await self._spreads(resolve_seconds, resolve_where, params, by_grade=False)
        by_grade = await self._spreads(resolve_seconds, resolve_where, params, by_grade=True)
        return Durations(to_accept=accept.get("", Spread(0, None, None)),
                         to_resolve=resolve.get("", Spread(0, None, None)), to_resolve_by_grade=by_grade)

    async def _spreads(self, seconds: str, where: str, params: dict, by_grade: bool) -> dict[str, Spread]:
        """Median and p90 by nearest rank (window functions: the rows are ranked inside SQLite)."""
        group = "coalesce(grade, '')" if by_grade else "''"
        rows = await self._db.fetch_all(
            f"""SELECT g, n, rn, s FROM (
                   SELECT {group} AS g, {seconds} AS s,
                          row_number() OVER (PARTITION BY {group} ORDER BY {seconds}) AS rn,
                          count(*) OVER (PARTITION BY {group}) AS n
                   FROM cases WHERE {where})
                WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100""",
            params,
        )
        found: dict[str, dict] = {}
        for row in rows:
            entry = found.setdefault(row["g"], {"n": row["n"]})
            if row["rn"] == (row["n"] * 50 + 99) // 100:
                entry["median"] = max(0.0, row["s"])
            if row["rn"] == (row["n"] * 90 + 99) // 100:
                entry["p90"] = max(0.0, row["s"])
        return {g: Spread(e["n"], e.get("median"), e.get("p90")) for g, e in found.items()}

    async def followup_counts(self, since: datetime, until: datetime, areas: Areas) -> FollowupCounts:
        where, params = _window("f.asked_at", since, until, areas, area_column="c.area")
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS asked, count(f.solved) AS answered,
                   coalesce(sum(f.solved = 1), 0) AS solved, count(f.stars) AS rated,
                   coalesce(sum(f.stars >= 4), 0) AS satisfied, avg(f.stars) AS average_stars,
                   coalesce(sum(f.no_response = 1), 0) AS no_response
                FROM case_followups f JOIN cases c ON c.id = f.case_id WHERE {where}""",
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
                FROM case_followups f JOIN cases c ON c.id = f.case_id WHERE {where} GROUP BY bucket""",
            {**params, "days": bucket_days},
        )
        return {r["bucket"]: (r["rated"], r["satisfied"]) for r in rows}

    async def workload(self, since: datetime, until: datetime, now: datetime, areas: Areas) -> list[Workload]:
        """Every case owner with open cases now or cases resolved in the period, busiest first."""
        area_clause, area_params = _area_clause("c.area", areas)
        params = {"now": to_db(now), "since": to_db(since), "until": to_db(until), **area_params}
        rows = await self._db.fetch_all(
            f"""SELECT c.owner_id, coalesce(u.first_name, '') AS name,
                   coalesce(sum(c.{_OPEN}), 0) AS open,
                   coalesce(sum(c.{_OPEN} AND {_OVERDUE}), 0) AS overdue,
                   coalesce(sum(c.{_DONE} AND c.resolved_at >= :since AND c.resolved_at < :until), 0) AS resolved
                FROM cases c LEFT JOIN users u ON u.user_id = c.owner_id
                WHERE c.owner_id IS NOT NULL AND c.complete = 1 {area_clause}
                  AND (c.{_OPEN} OR (c.resolved_at >= :since AND c.resolved_at < :until))
                GROUP BY c.owner_id ORDER BY open DESC, resolved DESC, c.owner_id""",
            params,
        )
        return [Workload(r["owner_id"], r["name"], r["open"], r["overdue"], r["resolved"]) for r in rows
                if r["open"] or r["resolved"]]

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


def _fold_counts(rows) -> CaseCounts:
    """Adds up the grouped rows (a few hundred at most: kinds × categories × grades × …)."""
    total: Counter = Counter()
    by_category: Counter = Counter()
    by_grade: Counter = Counter()
    by_level: Counter = Counter()
    by_outcome: Counter = Counter()
    for r in rows:
        n, status, done = r["n"], r["status"], r["status"] in ("resolved", "followed_up", "closed")
        total["received"] += n
        total[r["kind"]] += n
        total["urgent"] += n if r["emergency"] else 0
        total["accepted"] += r["accepted"]
        total["accepted_on_time"] += r["accepted_on_time"]
        total["open"] += n if status in ("new", "accepted", "in_progress", "reopened") else 0
        total["rejected"] += n if status == "rejected" else 0
        total["withdrawn"] += n if status == "withdrawn" else 0
        by_category[(r["kind"], r["category"])] += n
        by_grade[r["grade"]] += n
        by_level[r["level"]] += n
        if done:
            total["resolved"] += n
            total["resolved_on_time"] += r["resolved_on_time"]
            by_outcome[r["outcome"]] += n
            if r["kind"] == "dispute" and r["outcome"] in ("mediated", "mediation_failed"):
                total[r["outcome"]] += n
    return CaseCounts(
        received=total["received"], incidents=total["incident"], disputes=total["dispute"], urgent=total["urgent"],
        resolved=total["resolved"], resolved_on_time=total["resolved_on_time"], rejected=total["rejected"],
        still_open=total["open"], mediated=total["mediated"], mediation_failed=total["mediation_failed"],
        withdrawn=total["withdrawn"], accepted=total["accepted"], accepted_on_time=total["accepted_on_time"],
        by_category=dict(by_category.most_common()), by_grade=dict(by_grade), by_level=dict(by_level),
        by_outcome=dict(by_outcome.most_common()),
    )


def _case_line(row) -> CaseLine:
    return CaseLine(row["ref"], row["kind"], row["category"], row["owner_name"], from_db(row["due_at"]))


def _export_row(row) -> ExportRow:
    values = dict(row)
    for key in ("created_at", "updated_at", "accepted_at", "resolved_at", "closed_at", "accept_due", "resolve_due"):
        values[key] = from_db(values[key])
    values["followup_solved"] = None if row["followup_solved"] is None else bool(row["followup_solved"])
    values["followup_no_response"] = bool(row["followup_no_response"])
    return ExportRow(**values)


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
