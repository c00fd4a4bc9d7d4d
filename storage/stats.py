"""Figures over cases: what was reported in a period, how it was handled, how reporters rated it,
who carries which load. The period figures are read from the rollups that triggers keep
(0022_stats_rollup, storage/stats_rollup.py): a year is a few dozen bins, never its cases. Medians
and p90s come from duration buckets 2% wide (the mean of the bucket holding the rank: within 2% of
the exact value). What is open now is counted over the partial index of open cases. Also the record
of weekly briefings sent, and the export's rows, read in batches by id so that memory stays flat
however many cases there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database
from storage.stats_rollup import Areas, RollupReader, area_filter
from storage.timefmt import from_db, to_db

_DONE = "status IN ('resolved', 'followed_up', 'closed')"
_OPEN = "status IN ('new', 'accepted', 'in_progress', 'reopened')"
_OVERDUE = "((owner_id IS NULL AND accept_due <= :now) OR resolve_due <= :now)"
#: The open cases (a few of all) by their partial index (0021): left to itself, SQLite prefers the
#: index by status, then reads every open case's row (some 30 ms instead of 2 over 1M cases).
_OPEN_CASES = "cases INDEXED BY cases_open"
_OPEN_CASES_C = "cases AS c INDEXED BY cases_open"

GRADES = ("red", "orange", "yellow", "green", "")        # "" not graded
LEVELS = ("grid", "community", "township", "county", "")  # "" no level set
OUTCOMES = ("resolved", "mediated", "mediation_failed", "referred", "not_police")
#: CaseCounts' plain counts, each a column of stats_case_bins and stats_case_facts.
_SCALARS = ("received", "incidents", "disputes", "urgent", "resolved", "resolved_on_time", "rejected", "still_open",
            "mediated", "mediation_failed", "withdrawn", "accepted", "accepted_on_time")
_COUNTS = (*_SCALARS, *(f"grade_{g or 'none'}" for g in GRADES), *(f"level_{v or 'none'}" for v in LEVELS),
           *(f"outcome_{o}" for o in OUTCOMES))
_FOLLOWUPS = ("asked", "answered", "solved", "rated", "satisfied", "stars", "no_response")

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
    """Median and 90th percentile (nearest rank) of a duration, in seconds, over `count` cases: each
    the mean of the 2% bucket its rank falls in (0022_stats_rollup), so within 2% of the exact one."""

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
    mediation: str | None = None  # the two-party mediation's state (bot/services/mediation.py Status)


class StatsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._rollup = RollupReader(db)

    async def case_counts(self, since: datetime, until: datetime, areas: Areas) -> CaseCounts:
        """The period's counts and its categories, from the rollups."""
        timed = {"view": "stats_case_facts", "moment": "created_at"}
        row = (await self._rollup.sums(since, until, areas, table="stats_case_bins", **timed,
                                       columns={name: f"sum({name})" for name in _COUNTS})).get(())
        row = row or dict.fromkeys(_COUNTS, 0)
        categories = await self._rollup.sums(since, until, areas, table="stats_category_bins", **timed,
                                             columns={"cases": "count(*)"}, group=("kind", "category"))
        by_outcome = {outcome: row[f"outcome_{outcome}"] for outcome in OUTCOMES}
        by_outcome["other"] = row["resolved"] - sum(by_outcome.values())
        return CaseCounts(
            **{name: row[name] for name in _SCALARS},
            by_category=dict(sorted(((key, n["cases"]) for key, n in categories.items() if n["cases"]),
                                    key=lambda item: (-item[1], *item[0]))),
            by_grade={grade: n for grade in GRADES if (n := row[f"grade_{grade or 'none'}"])},
            by_level={level: n for level in LEVELS if (n := row[f"level_{level or 'none'}"])},
            by_outcome=dict(sorted(((k, n) for k, n in by_outcome.items() if n), key=lambda item: -item[1])),
        )

    async def durations(self, since: datetime, until: datetime, areas: Areas, by_grade: bool = False) -> Durations:
        """Time to accept and to resolve for the period's cases (to resolve also by grade, if asked)."""
        grades = {}
        if by_grade:
            buckets = await self._buckets(since, until, areas, "resolve", "grade != '*'", "1", ("grade",))
            for grade in GRADES:
                spread = _spread({b: n for (g, b), n in buckets.items() if g == grade})
                if spread.count:
                    grades[grade] = spread
        every = ("grade = '*'", "1", ())
        return Durations(to_accept=_spread(await self._buckets(since, until, areas, "accept", *every)),
                         to_resolve=_spread(await self._buckets(since, until, areas, "resolve", *every)),
                         to_resolve_by_grade=grades)

    async def _buckets(self, since: datetime, until: datetime, areas: Areas, measure: str, where: str,
                       raw_where: str, group: tuple[str, ...]) -> dict:
        """(group…, bucket) → (cases, milliseconds) of one measure's durations in the period."""
        sums = await self._rollup.sums(
            since, until, areas, table="stats_duration_bins", view="stats_duration_facts", moment="created_at",
            columns={"cases": "count(*)", "millis": "sum(millis)"}, group=(*group, "bucket"),
            where=f"measure = :measure AND {where}", raw_where=f"measure = :measure AND {raw_where}",
            params={"measure": measure})
        return {key if group else key[0]: (n["cases"], n["millis"]) for key, n in sums.items() if n["cases"]}

    async def followup_counts(self, since: datetime, until: datetime, areas: Areas) -> FollowupCounts:
        row = (await self._rollup.sums(
            since, until, areas, table="stats_followup_bins", view="stats_followup_facts", moment="asked_at",
            columns={name: f"sum({name})" for name in _FOLLOWUPS})).get(()) or dict.fromkeys(_FOLLOWUPS, 0)
        stars = row.pop("stars")
        return FollowupCounts(**row, average_stars=stars / row["rated"] if row["rated"] else None)

    async def open_counts(self, now: datetime, areas: Areas) -> OpenCounts:
        area_clause, params = area_filter("area", areas)
        row = await self._db.fetch_one(
            f"""SELECT count(*) AS open, coalesce(sum({_OVERDUE}), 0) AS overdue
                FROM {_OPEN_CASES} WHERE complete = 1 AND {_OPEN} {area_clause}""",
            {"now": to_db(now), **params},
        )
        return OpenCounts(**dict(row))

    async def supervised_count(self, since: datetime, until: datetime, areas: Areas) -> int:
        """Cases supervised (督办) in the period, each counted once however often: a count of distinct
        cases does not add up over bins, so it reads the supervisions' copy with their cases' areas
        (0022_stats_rollup), by an index alone."""
        where, params = _window("created_at", since, until, areas)
        return await self._db.fetch_value(
            f"SELECT count(DISTINCT case_id) FROM stats_supervisions WHERE {where}", params)

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
        ones over the index of open cases, the resolved ones from the rollup by day resolved."""
        area_clause, area_params = area_filter("area", areas)
        open_rows = await self._db.fetch_all(
            f"""SELECT owner_id, count(*) AS open, coalesce(sum({_OVERDUE}), 0) AS overdue
                FROM {_OPEN_CASES} WHERE complete = 1 AND {_OPEN} AND owner_id IS NOT NULL {area_clause}
                GROUP BY owner_id""",
            {"now": to_db(now), **area_params})
        resolved = await self._rollup.sums(
            since, until, areas, table="stats_owner_bins", view="stats_case_facts", moment="resolved_at",
            columns={"resolved": "count(*)"}, group=("owner_id",),
            raw_where="resolved = 1 AND owner_id IS NOT NULL")
        loads = {r["owner_id"]: [r["open"], r["overdue"], 0] for r in open_rows}
        for (owner_id,), n in resolved.items():
            if n["resolved"]:
                loads.setdefault(owner_id, [0, 0, 0])[2] = n["resolved"]
        names = await self._names(list(loads))
        return sorted((Workload(owner, names.get(owner, ""), *load) for owner, load in loads.items()),
                      key=lambda w: (-w.open, -w.resolved, w.owner_id))

    async def _names(self, user_ids: list[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self._db.fetch_all(f"SELECT user_id, first_name FROM users WHERE user_id IN ({marks})",
                                        user_ids)
        return {r["user_id"]: r["first_name"] or "" for r in rows}

    async def overdue_cases(self, now: datetime, areas: Areas, limit: int) -> tuple[list[CaseLine], int]:
        """The open cases past a time limit now, most overdue first (up to `limit`), and how many in all."""
        area_clause, params = area_filter("c.area", areas)
        where = f"c.complete = 1 AND c.{_OPEN} AND {_OVERDUE} {area_clause}"
        params = {"now": to_db(now), **params}
        total = await self._db.fetch_value(f"SELECT count(*) FROM {_OPEN_CASES_C} WHERE {where}", params)
        rows = await self._db.fetch_all(
            f"""SELECT c.ref, c.kind, c.category, u.first_name AS owner_name,
                   CASE WHEN c.owner_id IS NULL THEN c.accept_due ELSE c.resolve_due END AS due_at
                FROM {_OPEN_CASES_C} LEFT JOIN users u ON u.user_id = c.owner_id WHERE {where}
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
        area_clause, area_params = area_filter("c.area", areas)
        rows = await self._db.fetch_all(
            f"""SELECT c.id, c.ref, c.kind, c.category, c.area, c.grade, c.level, c.status, c.outcome,
                   c.created_at, c.updated_at, c.accepted_at, c.resolved_at, c.accept_due, c.resolve_due,
                   CASE WHEN c.status IN ('closed', 'rejected', 'withdrawn') THEN c.updated_at END AS closed_at,
                   json_extract(c.details, '$.where.latitude') AS latitude,
                   json_extract(c.details, '$.where.longitude') AS longitude,
                   f.solved AS followup_solved, f.stars AS followup_stars,
                   coalesce(f.no_response, 0) AS followup_no_response, m.status AS mediation
                FROM cases c LEFT JOIN case_followups f ON f.case_id = c.id
                LEFT JOIN mediations m ON m.case_id = c.id
                WHERE {' AND '.join(clauses)} {area_clause} ORDER BY c.id LIMIT :limit""",
            {**params, **area_params},
        )
        return [_export_row(r) for r in rows]

    async def claim_briefing(self, fire_at: datetime, now: datetime) -> bool:
        """Marks the briefing for `fire_at` as sent; False if it already was (at most once)."""
        return await self._db.execute(
            "INSERT OR IGNORE INTO briefings (fire_at, sent_at) VALUES (?, ?)", (to_db(fire_at), to_db(now))
        ) > 0


def _spread(buckets: dict[int, tuple[int, int]]) -> Spread:
    """Median and p90 by nearest rank from (cases, milliseconds) per bucket: each the mean of the
    bucket its rank falls in."""
    count = sum(n for n, _ in buckets.values())
    if not count:
        return Spread(0, None, None)
    ranks = {"median": (count * 50 + 99) // 100, "p90": (count * 90 + 99) // 100}
    found, seen = {}, 0
    for bucket in sorted(buckets):
        cases, millis = buckets[bucket]
        seen += cases
        for name, rank in ranks.items():
            if name not in found and seen >= rank:
                found[name] = max(0.0, millis / cases / 1000)
    return Spread(count, found["median"], found["p90"])


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


def _window(column: str, since: datetime, until: datetime, areas: Areas,
            area_column: str = "area") -> tuple[str, dict]:
    area_clause, params = area_filter(area_column, areas)
    return f"{column} >= :since AND {column} < :until {area_clause}", {
        "since": to_db(since), "until": to_db(until), **params}
