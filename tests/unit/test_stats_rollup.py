"""The figures' rollups (migration stats_rollup) stay equal to a recount from the raw tables whatever
happens to the cases: a seeded random walk of reports, acceptances, grades, resolutions, reopenings,
rejections, withdrawals, erasures, supervisions and follow-up answers over three months, counted
over periods that cross month and UTC-day boundaries. Also: a period's bins and raw ends cover each
moment exactly once, in any zone; medians and p90s are within their documented 2% of the exact."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.stats_periods import Periods
from storage.cases import WorkflowRepo
from storage.db import Database
from storage.erasure import ErasureRepo
from storage.migrate import apply_migrations, available_migrations, split_statements
from storage.reports import CaseRepo
from storage.stats import GRADES, LEVELS, OUTCOMES, StatsRepo
from storage.stats_rollup import cover
from storage.supervision import SupervisionRepo
from tests.stats_data import OFFICER_LI, OFFICER_WANG, SHANGHAI, CaseBook, local

DONE = ("resolved", "followed_up", "closed")
OPEN = ("new", "accepted", "in_progress", "reopened")
AREAS = ("幸福小区", "阳光花园", None)
CATEGORIES = {"incident": ("theft", "fraud", "traffic"), "dispute": ("noise", "parking")}
ROLLUPS = ("stats_case_bins", "stats_category_bins", "stats_duration_bins", "stats_owner_bins",
           "stats_followup_bins", "stats_supervisions")


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "rollup.db")
    await apply_migrations(database)
    await CaseBook(database).people()
    yield database
    await database.close()


class Walk:
    """Random case operations through the repositories the bot writes with, the clock moving on."""

    def __init__(self, db: Database, rng: random.Random) -> None:
        self.db, self.rng = db, rng
        self.cases, self.flow = CaseRepo(db), WorkflowRepo(db)
        self.erasure, self.supervision = ErasureRepo(db), SupervisionRepo(db)
        self.now = local("2026-01-20 09:00")

    async def run(self, steps: int) -> None:
        operations = (self.report, self.report, self.report, self.accept, self.accept, self.grade, self.resolve,
                      self.resolve, self.reopen, self.reject, self.withdraw, self.close, self.follow_up,
                      self.answer, self.answer, self.erase, self.supervise, self.move)
        for _ in range(steps):
            self.now += timedelta(minutes=self.rng.randint(1, 900))
            await self.rng.choice(operations)()

    async def pick(self, statuses: tuple[str, ...]) -> int | None:
        rows = await self.db.fetch_all(
            f"SELECT id FROM cases WHERE status IN ({', '.join('?' for _ in statuses)}) ORDER BY id", statuses)
        return self.rng.choice(rows)["id"] if rows else None

    def later(self, hours: float) -> datetime:
        """A moment up to `hours` after now, at least a second (times to accept and resolve vary)."""
        return self.now + timedelta(seconds=self.rng.uniform(1, hours * 3600))

    async def report(self) -> None:
        kind = self.rng.choice(("incident", "incident", "dispute"))
        case = await self.cases.create(
            kind=kind, category=self.rng.choice(CATEGORIES[kind]), language="zh", origin_group_id=None,
            area=self.rng.choice(AREAS), description="", details={}, emergency=self.rng.random() < 0.1,
            complete=self.rng.random() < 0.9, grade=self.rng.choice(GRADES) or None, related_case_id=None,
            now=self.now)
        await self.flow.change(case.id, self.now, accept_due=self.now + timedelta(hours=self.rng.choice((2, 24))),
                               resolve_due=self.now + timedelta(hours=self.rng.choice((24, 72, 360))))
        if not case.complete or self.rng.random() < 0.5:  # an urgent report finished later
            return
        await self.cases.complete(case.id, category=case.category, area=self.rng.choice(AREAS), description="",
                                  details={}, related_case_id=None, now=self.now)

    async def accept(self) -> None:
        if (case_id := await self.pick(("new", "reopened"))) is not None:
            await self.flow.change(case_id, self.now, from_statuses=("new", "reopened"), status="accepted",
                                   owner_id=self.rng.choice((OFFICER_LI, OFFICER_WANG)), accepted_at=self.later(30),
                                   level=self.rng.choice(LEVELS) or None)

    async def grade(self) -> None:
        if (case_id := await self.pick(OPEN)) is not None:
            await self.flow.change(case_id, self.now, grade=self.rng.choice(GRADES) or None)

    async def resolve(self) -> None:
        if (case_id := await self.pick(("accepted", "in_progress", "reopened"))) is not None:
            await self.flow.change(case_id, self.now, status="resolved", resolved_at=self.later(100),
                                   outcome=self.rng.choice(OUTCOMES))

    async def reopen(self) -> None:
        if (case_id := await self.pick(DONE)) is not None:
            await self.flow.change(case_id, self.now, status="reopened", resolve_due=self.later(72))

    async def reject(self) -> None:
        if (case_id := await self.pick(("new",))) is not None:
            await self.flow.change(case_id, self.now, status="rejected", outcome_note="不属于警务")

    async def withdraw(self) -> None:
        if (case_id := await self.pick(OPEN)) is not None:
            await self.flow.change(case_id, self.now, status="withdrawn")

    async def close(self) -> None:
        if (case_id := await self.pick(("resolved", "followed_up"))) is not None:
            await self.flow.change(case_id, self.now, status="closed")

    async def follow_up(self) -> None:
        """A follow-up visit started (again, for a reopened case resolved anew) and asked."""
        if (case_id := await self.pick(("resolved",))) is not None:
            await self.flow.start_followup(case_id, spot_check=self.rng.random() < 0.2)
            if self.rng.random() < 0.9:
                await self.flow.mark_followup_asked(case_id, self.now)

    async def answer(self) -> None:
        rows = await self.db.fetch_all("SELECT case_id FROM case_followups ORDER BY case_id")
        if not rows:
            return
        case_id = self.rng.choice(rows)["case_id"]
        answer = self.rng.choice(({"solved": self.rng.random() < 0.7}, {"stars": self.rng.randint(1, 5)},
                                  {"no_response": True}, {"comment": "谢谢"}))
        await self.flow.answer_followup(case_id, **answer)
        if "solved" in answer:
            await self.flow.change(case_id, self.now, status="followed_up")

    async def erase(self) -> None:
        """A reporter's erasure anonymises the report: its figures stay."""
        if (case_id := await self.pick((*DONE, "rejected", "withdrawn"))) is not None:
            await self.erasure.erase_report(case_id, self.now)

    async def supervise(self) -> None:
        if (case_id := await self.pick(OPEN)) is not None:
            due = self.later(48)
            await self.supervision.add(case_id, OFFICER_LI, due, "请尽快处理", self.now)
            await self.flow.change(case_id, self.now, resolve_due=due)

    async def move(self) -> None:
        """A case (with its follow-up visit) put under another area."""
        row = await self.db.fetch_one("SELECT id, category FROM cases ORDER BY random() LIMIT 1")
        if row is not None:
            await self.cases.complete(row["id"], category=row["category"], area=self.rng.choice(AREAS),
                                      description="", details={}, related_case_id=None, now=self.now)


def in_areas(area: str | None, areas) -> bool:
    return areas is None or area in areas


def nearest_rank(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    ordered, n = sorted(values), len(values)
    return max(0.0, ordered[(n * 50 + 99) // 100 - 1]), max(0.0, ordered[(n * 90 + 99) // 100 - 1])


def within_bucket(estimate: float | None, exact: float | None) -> bool:
    """The documented bound: a bucket under a minute, else 2% of the value."""
    if exact is None:
        return estimate is None
    return abs(estimate - exact) <= max(60.0, 0.02 * exact) + 0.001


async def recount(db: Database, since: datetime, until: datetime, areas) -> dict:
    """The period's figures counted in Python from every raw row."""
    cases = [dict(r) for r in await db.fetch_all("SELECT * FROM cases WHERE complete = 1")]

    def seconds(end: str, start: str) -> float:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()

    def during(moment: str | None) -> bool:
        return moment is not None and since <= datetime.fromisoformat(moment) < until

    period = [c for c in cases if during(c["created_at"]) and in_areas(c["area"], areas)]
    done = [c for c in period if c["status"] in DONE]
    categories: dict = {}
    for c in period:
        categories[(c["kind"], c["category"])] = categories.get((c["kind"], c["category"]), 0) + 1
    followups = [dict(r) for r in await db.fetch_all(
        "SELECT f.*, c.area FROM case_followups f JOIN cases c ON c.id = f.case_id")]
    asked = [f for f in followups if during(f["asked_at"]) and in_areas(f["area"], areas)]
    resolved_by: dict = {}
    for c in cases:
        if c["status"] in DONE and c["owner_id"] and during(c["resolved_at"]) and in_areas(c["area"], areas):
            resolved_by[c["owner_id"]] = resolved_by.get(c["owner_id"], 0) + 1
    rated = [f["stars"] for f in asked if f["stars"] is not None]
    return {
        "received": len(period), "incidents": sum(c["kind"] == "incident" for c in period),
        "urgent": sum(c["emergency"] == 1 for c in period), "resolved": len(done),
        "resolved_on_time": sum(bool(c["resolve_due"]) and c["resolved_at"] is not None
                                and c["resolved_at"] <= c["resolve_due"] for c in done),
        "rejected": sum(c["status"] == "rejected" for c in period),
        "withdrawn": sum(c["status"] == "withdrawn" for c in period),
        "still_open": sum(c["status"] in OPEN for c in period),
        "mediated": sum(c["kind"] == "dispute" and c["outcome"] == "mediated" for c in done),
        "accepted": sum(c["accepted_at"] is not None for c in period),
        "accepted_on_time": sum(c["accepted_at"] is not None and c["accepted_at"] <= c["accept_due"]
                                for c in period),
        "by_category": categories,
        "by_grade": {g: n for g in GRADES if (n := sum((c["grade"] or "") == g for c in period))},
        "by_level": {v: n for v in LEVELS if (n := sum((c["level"] or "") == v for c in period))},
        "by_outcome": {o: n for o in (*OUTCOMES, None) if (n := sum(c["outcome"] == o for c in done))},
        "to_accept": nearest_rank([seconds(c["accepted_at"], c["created_at"]) for c in period if c["accepted_at"]]),
        "to_resolve": nearest_rank([seconds(c["resolved_at"], c["created_at"]) for c in done if c["resolved_at"]]),
        "followups": (len(asked), sum(f["solved"] is not None for f in asked), sum(f["solved"] == 1 for f in asked),
                      len(rated), sum(s >= 4 for s in rated), sum(f["no_response"] == 1 for f in asked)),
        "average_stars": sum(rated) / len(rated) if rated else None,
        "resolved_by": resolved_by,
        "supervised": len({r["case_id"] for r in await db.fetch_all(
            "SELECT s.case_id, s.created_at, c.area FROM case_supervisions s JOIN cases c ON c.id = s.case_id")
            if during(r["created_at"]) and in_areas(r["area"], areas)}),
    }


async def figures(db: Database, since: datetime, until: datetime, areas) -> dict:
    """The same figures as StatsRepo reads them from the rollups."""
    repo = StatsRepo(db)
    counts = await repo.case_counts(since, until, areas)
    durations = await repo.durations(since, until, areas)
    followups = await repo.followup_counts(since, until, areas)
    workload = await repo.workload(since, until, until, areas)
    by_outcome = {None if k == "other" else k: n for k, n in counts.by_outcome.items()}
    return {
        "received": counts.received, "incidents": counts.incidents, "urgent": counts.urgent,
        "resolved": counts.resolved, "resolved_on_time": counts.resolved_on_time, "rejected": counts.rejected,
        "withdrawn": counts.withdrawn, "still_open": counts.still_open, "mediated": counts.mediated,
        "accepted": counts.accepted, "accepted_on_time": counts.accepted_on_time,
        "by_category": counts.by_category, "by_grade": counts.by_grade, "by_level": counts.by_level,
        "by_outcome": by_outcome,
        "to_accept": (durations.to_accept.median, durations.to_accept.p90),
        "to_resolve": (durations.to_resolve.median, durations.to_resolve.p90),
        "followups": (followups.asked, followups.answered, followups.solved, followups.rated, followups.satisfied,
                      followups.no_response),
        "average_stars": followups.average_stars,
        "resolved_by": {w.owner_id: w.resolved for w in workload if w.resolved},
        "supervised": await repo.supervised_count(since, until, areas),
    }


def periods(rng: random.Random) -> list[tuple[datetime, datetime]]:
    """Whole months, single days and random ranges of local days around the walk, and a range
    that does not start on a local midnight."""
    shanghai = Periods(SHANGHAI)
    spans = [shanghai.span("custom", date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1)) for m in (1, 2, 3)]
    spans += [shanghai.span("custom", date(2026, 2, 28), date(2026, 3, 1)),
              shanghai.span("custom", date(2026, 2, 1), date(2026, 2, 1))]
    for _ in range(6):
        first = date(2026, 1, 15) + timedelta(days=rng.randint(0, 80))
        spans.append(shanghai.span("custom", first, first + timedelta(days=rng.randint(0, 45))))
    windows = [(p.since, p.until) for p in spans]
    windows.append((local("2026-02-03 07:30"), local("2026-03-17 19:45")))
    return windows


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_rollups_equal_a_recount_after_a_random_walk(db, seed):
    rng = random.Random(seed)
    await Walk(db, rng).run(260)
    for since, until in periods(rng):
        for areas in (None, ("幸福小区",), ("幸福小区", "阳光花园"), ()):
            expected, actual = await recount(db, since, until, areas), await figures(db, since, until, areas)
            for measure in ("to_accept", "to_resolve"):
                for estimate, exact in zip(actual.pop(measure), expected.pop(measure), strict=True):
                    assert within_bucket(estimate, exact), (since, until, areas, measure, estimate, exact)
            assert actual.pop("average_stars") == pytest.approx(expected.pop("average_stars"))
            assert actual == expected, (since, until, areas)


async def test_the_rollups_equal_their_back_fill_after_a_random_walk(db):
    """What the triggers kept is what the migration's back-fill would compute from the same rows."""
    await Walk(db, random.Random(7)).run(260)
    kept = {table: await nonzero_rows(db, table) for table in ROLLUPS}
    for table in ROLLUPS:
        await db.execute(f"DELETE FROM {table}")
    for statement in back_fill_statements():
        await db.execute(statement)
    assert {table: await nonzero_rows(db, table) for table in ROLLUPS} == kept
    assert sum(len(rows) for rows in kept.values()) > 100


async def nonzero_rows(db: Database, table: str) -> set[tuple]:
    """A table's rows without the bins every count of which came back to zero (left empty)."""
    rows = await db.fetch_all(f"SELECT * FROM {table}")
    if table == "stats_supervisions":  # a copy, not counts
        return {tuple(row) for row in rows}
    keys = ("whole", "area", "grain", "bin", "kind", "category", "measure", "grade", "bucket", "owner_id")
    return {tuple(row) for row in rows if any(row[k] for k in row.keys() if k not in keys)}


def back_fill_statements() -> list[str]:
    """The migration's statements from its back-fill on."""
    migration = next(m for m in available_migrations() if m.name == "stats_rollup")
    statements = split_statements(migration.sql)
    start = next(n for n, s in enumerate(statements) if s.lstrip().startswith("-- Back-fill"))
    return statements[start:]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns"])
def test_a_period_is_covered_once_in_any_zone(zone):
    rng, periods_in = random.Random(zone), Periods(ZoneInfo(zone))
    for _ in range(60):
        first = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
        period = periods_in.span("custom", first, first + timedelta(days=rng.choice((0, 1, 6, 30, 91, 365, 700))))
        span = cover(period.since, period.until)
        assert len(span.bins) <= 60 and len(span.raw) <= 2
        for moment in [period.since, period.until - timedelta(microseconds=1), period.since - timedelta(hours=1),
                       period.until] + [period.since + (period.until - period.since) * rng.random() for _ in range(40)]:
            inside = period.since <= moment < period.until
            assert times_counted(span, moment) == int(inside), (zone, period, moment)


def times_counted(span, moment: datetime) -> int:
    utc = moment.astimezone(UTC)
    day, month = utc.date().isoformat(), utc.strftime("%Y-%m")
    binned = sum(sign for grain, name, sign in span.bins if name == (day if grain == "d" else month))
    return binned + sum(start <= utc < end for start, end in span.raw)


async def test_medians_and_p90s_are_within_two_percent_of_the_exact_ones(db):
    """Durations from a second to months, as the buckets store them: each figure within its bucket."""
    rng, book = random.Random(11), CaseBook(db)
    hours = [10 ** rng.uniform(-3.5, 3.3) for _ in range(301)]
    for n, h in enumerate(hours):
        await book.case(f"2026-03-{1 + n % 28:02d} 10:00", status="resolved", accepted_after=h / 3,
                        resolved_after=h, outcome="resolved", grade="yellow")
    durations = await StatsRepo(db).durations(local("2026-03-01 00:00"), local("2026-04-01 00:00"), None, True)
    for spread, values in ((durations.to_resolve, hours), (durations.to_accept, [h / 3 for h in hours]),
                           (durations.to_resolve_by_grade["yellow"], hours)):
        median, p90 = nearest_rank([h * 3600 for h in values])
        assert spread.count == 301
        assert within_bucket(spread.median, median) and within_bucket(spread.p90, p90)
        assert abs(spread.median - median) <= 0.02 * median  # these are all past the first minute
