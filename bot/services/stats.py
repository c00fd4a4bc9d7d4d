"""Figures for staff: what was reported in a period, how it was handled, mediated and rated — the
numbers the grassroots reports quote (screened, mediated, success rate, satisfaction) — for /stats
and for the weekly briefing to the staff chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.clock import Clock
from bot.config_stats import BriefingSettings
from storage.db import Database
from storage.stats import CaseCounts, FollowupCounts, OpenCounts, StatsRepo

#: Periods staff can choose: so far this week (from Monday), this month, this year.
PERIODS = ("week", "month", "year")


@dataclass(frozen=True)
class Period:
    key: str                # week | month | year | last_week
    since: datetime         # aware
    until: datetime         # aware, exclusive
    first_day: date         # local dates, for display
    last_day: date


@dataclass(frozen=True)
class Figures:
    period: Period
    area: str | None
    cases: CaseCounts
    #: Received in the period before, of the same length (last week; last year for a year).
    previous_received: int
    top_categories: list[tuple[str, str, int]]
    followups: FollowupCounts
    open_now: OpenCounts
    #: Cases a supervisor gave a new deadline (督办) in the period.
    supervised: int

    @property
    def mediation_success(self) -> float | None:
        """Disputes settled with an agreement per dispute screened (the seeds' success rate)."""
        return _share(self.cases.mediated, self.cases.disputes)

    @property
    def on_time(self) -> float | None:
        return _share(self.cases.resolved_on_time, self.cases.resolved)

    @property
    def satisfaction(self) -> float | None:
        """Reporters giving 4 or 5 stars per reporter who rated."""
        return _share(self.followups.satisfied, self.followups.rated)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class StatsService:
    def __init__(self, db: Database, clock: Clock, timezone: str, briefing: BriefingSettings) -> None:
        self._repo = StatsRepo(db)
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self._briefing = briefing

    def period(self, key: str, now: datetime | None = None) -> Period:
        """`week`, `month` or `year` up to the end of today; `last_week` is the whole week (Monday–Sunday)
        before this one."""
        now = (now or self._clock.now()).astimezone(self._tz)
        today = now.date()
        if key == "last_week":
            monday = today - timedelta(days=today.weekday())
            return self._span(key, monday - timedelta(days=7), monday)
        starts = {"week": today - timedelta(days=today.weekday()), "month": today.replace(day=1),
                  "year": today.replace(month=1, day=1)}
        if key not in starts:
            raise ValueError(f"unknown period {key!r}")
        return self._span(key, starts[key], today + timedelta(days=1))

    def _span(self, key: str, first: date, end: date) -> Period:
        since, until = (datetime.combine(d, time(0), self._tz).astimezone(UTC) for d in (first, end))
        return Period(key, since, until, first, end - timedelta(days=1))

    def previous(self, period: Period) -> Period:
        """The period just before, of the same length: the week before; the same days of the month
        before; the same span of last year (year-on-year)."""
        if period.key in ("week", "last_week"):
            shift = timedelta(days=7)
            return Period(period.key, period.since - shift, period.until - shift, period.first_day - shift,
                          period.last_day - shift)
        if period.key == "month":
            first = _month_before(period.first_day)
        else:
            first = period.first_day.replace(year=period.first_day.year - 1)
        end = min(first + (period.last_day - period.first_day) + timedelta(days=1), period.first_day)
        return self._span(period.key, first, end)

    async def figures(self, key: str, area: str | None = None, now: datetime | None = None) -> Figures:
        now = now or self._clock.now()
        period = self.period(key, now)
        before = self.previous(period)
        return Figures(
            period=period,
            area=area,
            cases=await self._repo.case_counts(period.since, period.until, area),
            previous_received=(await self._repo.case_counts(before.since, before.until, area)).received,
            top_categories=await self._repo.top_categories(period.since, period.until, area),
            followups=await self._repo.followup_counts(period.since, period.until, area),
            open_now=await self._repo.open_counts(now, area),
            supervised=await self._repo.supervised_count(period.since, period.until, area),
        )

    async def areas(self) -> list[str]:
        return await self._repo.areas()

    # --- the weekly briefing -----------------------------------------------------------------

    async def briefing_due(self) -> Figures | None:
        """Last week's figures when a briefing falls due (claimed here: at most once per scheduled
        time, restarts included); None otherwise. A time missed by more than the grace is skipped."""
        if not self._briefing.enabled:
            return None
        now = self._clock.now()
        fire_at = self.last_briefing_time(now)
        if fire_at is None or not await self._repo.claim_briefing(fire_at, now):
            return None
        return await self.figures("last_week", now=fire_at)

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


def _month_before(first_of_month: date) -> date:
    return (first_of_month - timedelta(days=1)).replace(day=1)
