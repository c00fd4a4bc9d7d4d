"""Figures for staff: what was reported in a period, how it was handled, mediated and rated — the
numbers the grassroots reports quote (screened, mediated, success rate, satisfaction) — each with
the period before and the same period a year before, for /stats, the charts and the weekly
briefing to the staff chats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.clock import Clock
from bot.config_stats import BriefingSettings
from bot.services.stats_periods import PERIOD_KINDS, Period, Periods
from storage.db import Database
from storage.stats import (
    Areas,
    CaseCounts,
    CaseLine,
    Durations,
    FollowupCounts,
    OpenCounts,
    StatsRepo,
    Workload,
)

#: The periods /stats has buttons for (kept for callers that list them).
PERIODS = PERIOD_KINDS
#: How many overdue cases the briefing names; the rest are counted.
BRIEFING_OVERDUE_LIMIT = 15


@dataclass(frozen=True)
class Figures:
    """The figures of one period."""

    period: Period
    cases: CaseCounts
    durations: Durations
    followups: FollowupCounts
    #: Cases a supervisor gave a new deadline (督办) in the period.
    supervised: int

    @property
    def top_categories(self) -> list[tuple[str, str, int]]:
        """(kind, category, count) of the five most reported categories."""
        return [(kind, category, n) for (kind, category), n in list(self.cases.by_category.items())[:5]]

    @property
    def mediation_success(self) -> float | None:
        """Disputes settled with an agreement per dispute screened (the seeds' success rate)."""
        return share(self.cases.mediated, self.cases.disputes)

    @property
    def on_time(self) -> float | None:
        return share(self.cases.resolved_on_time, self.cases.resolved)

    @property
    def accepted_on_time(self) -> float | None:
        return share(self.cases.accepted_on_time, self.cases.accepted)

    @property
    def solved(self) -> float | None:
        """Reporters saying "solved" per follow-up answered."""
        return share(self.followups.solved, self.followups.answered)

    @property
    def satisfaction(self) -> float | None:
        """Reporters giving 4 or 5 stars per reporter who rated."""
        return share(self.followups.satisfied, self.followups.rated)


@dataclass(frozen=True)
class StatsReport:
    """A period's figures with its two comparisons, and the state of things now."""

    areas: Areas
    current: Figures
    previous: Figures
    year_before: Figures
    open_now: OpenCounts
    #: Per case owner; only filled for supervisors and admins.
    workload: list[Workload]

    @property
    def period(self) -> Period:
        return self.current.period


@dataclass(frozen=True)
class ChartData:
    """What the charts draw, by buckets of `bucket_days` from the period's first day."""

    period: Period
    bucket_days: int
    #: bucket → {kind: cases}, every bucket of the period present.
    cases: list[dict[str, int]]
    #: bucket → cases the same period a year before.
    year_before: list[int]
    categories: dict[tuple[str, str], int]
    to_resolve_by_grade: dict[str, float | None]     # grade → median hours
    #: bucket → share of 4–5 stars (None: nobody rated).
    satisfaction: list[float | None]


@dataclass(frozen=True)
class ChartTexts:
    """Every text the charts draw, already in the reader's language."""

    cases_title: str
    incident: str
    dispute: str
    year_before: str
    categories_title: str
    other: str
    resolve_title: str
    hours: str
    satisfaction_title: str
    satisfied_share: str
    no_data: str
    bucket_labels: list[str]           # one per bucket of the period
    category_labels: dict[tuple[str, str], str]
    grade_labels: dict[str, str]       # "" for not graded


@dataclass(frozen=True)
class Briefing:
    """What one briefing is made of, for one staff chat's areas."""

    report: StatsReport
    charts: ChartData
    overdue: list[CaseLine]
    overdue_total: int
    not_solved: list[CaseLine]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def bucket_days(period: Period) -> int:
    """Days per bar: days for up to a month, else weeks."""
    return 1 if period.days <= 31 else 7


class StatsService:
    def __init__(self, db: Database, clock: Clock, timezone: str, briefing: BriefingSettings) -> None:
        self._repo = StatsRepo(db)
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self._briefing = briefing
        self.periods = Periods(self._tz)

    def period(self, key: str, now: datetime | None = None) -> Period:
        """A PERIOD_KINDS period as of now."""
        return self.periods.current(key, now or self._clock.now())

    def previous(self, period: Period) -> Period:
        return self.periods.previous(period)

    def year_before(self, period: Period) -> Period:
        return self.periods.year_before(period)

    async def figures(self, period: Period | str, areas: Areas = None, area: str | None = None) -> Figures:
        """One period's figures (no comparisons); `period` may be a PERIOD_KINDS key (as of now), and
        `area` names one area instead of `areas`."""
        if isinstance(period, str):
            period = self.period(period)
        if area is not None:
            areas = (area,)
        since, until = period.since, period.until
        return Figures(
            period=period,
            cases=await self._repo.case_counts(since, until, areas),
            durations=await self._repo.durations(since, until, areas),
            followups=await self._repo.followup_counts(since, until, areas),
            supervised=await self._repo.supervised_count(since, until, areas),
        )

    async def report(self, period: Period, areas: Areas = None, with_workload: bool = False) -> StatsReport:
        """The period's figures with the period before and the same period a year before."""
        now = self._clock.now()
        before, year_before = self.previous(period), self.year_before(period)
        previous = await self.figures(before, areas)
        return StatsReport(
            areas=areas,
            current=await self.figures(period, areas),
            previous=previous,
            # A year's period before is the year before: counted once.
            year_before=previous if year_before == before else await self.figures(year_before, areas),
            open_now=await self._repo.open_counts(now, areas),
            workload=(await self._repo.workload(period.since, period.until, now, areas)) if with_workload else [],
        )

    async def chart_data(self, period: Period, areas: Areas = None) -> ChartData:
        days = bucket_days(period)
        buckets = -(-period.days // days)
        before = self.year_before(period)
        by_kind = await self._repo.cases_by_bucket(period.since, period.until, areas, days)
        year_before = await self._repo.cases_by_bucket(before.since, before.until, areas, days)
        rated = await self._repo.satisfaction_by_bucket(period.since, period.until, areas, days)
        counts = await self._repo.case_counts(period.since, period.until, areas)
        durations = await self._repo.durations(period.since, period.until, areas, by_grade=True)
        return ChartData(
            period=period,
            bucket_days=days,
            cases=[{kind: by_kind.get((b, kind), 0) for kind in ("incident", "dispute")} for b in range(buckets)],
            year_before=[sum(n for (b, _), n in year_before.items() if b == bucket) for bucket in range(buckets)],
            categories=counts.by_category,
            to_resolve_by_grade={grade: (spread.median / 3600 if spread.median is not None else None)
                                 for grade, spread in durations.to_resolve_by_grade.items()},
            satisfaction=[share(rated[b][1], rated[b][0]) if b in rated else None for b in range(buckets)],
        )

    async def areas(self) -> list[str]:
        return await self._repo.areas()

    # --- the weekly briefing -----------------------------------------------------------------

    async def claim_briefing(self) -> Period | None:
        """Last week, when a briefing falls due (claimed here: at most once per scheduled time,
        restarts included); None otherwise. A time missed by more than the grace is skipped."""
        if not self._briefing.enabled:
            return None
        now = self._clock.now()
        fire_at = self.last_briefing_time(now)
        if fire_at is None or not await self._repo.claim_briefing(fire_at, now):
            return None
        return self.periods.current("last_week", fire_at)

    async def briefing(self, week: Period, areas: Areas) -> Briefing:
        """The figures, chart and case lists of one briefing, for one chat's areas."""
        overdue, total = await self._repo.overdue_cases(self._clock.now(), areas, BRIEFING_OVERDUE_LIMIT)
        return Briefing(
            report=await self.report(week, areas),
            charts=await self.chart_data(week, areas),
            overdue=overdue,
            overdue_total=total,
            not_solved=await self._repo.not_solved_cases(week.since, week.until, areas),
        )

    def last_briefing_time(self, now: datetime) -> datetime | None:
        """The latest scheduled time within the grace before `now` (inclusive), or None."""
        trigger = CronTrigger.from_crontab(self._briefing.cron, timezone=self._tz)
        earliest = now - timedelta(hours=self._briefing.grace_hours)
        latest = None
        fire = trigger.get_next_fire_time(None, earliest)
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return latest.astimezone(UTC) if latest else None
