"""The periods /stats and the weekly briefing count over, in the deployment's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import ManualClock
from bot.config_stats import BriefingSettings
from bot.services.stats import StatsService
from bot.services.stats_periods import RangeProblem

# 2026-03-31 is a Tuesday; 08:30 in Shanghai is 00:30 UTC.
NOW = datetime(2026, 3, 31, 0, 30, tzinfo=UTC)


def service(**briefing) -> StatsService:
    return StatsService(db=None, clock=ManualClock(NOW), timezone="Asia/Shanghai",  # type: ignore[arg-type]
                        briefing=BriefingSettings(**briefing))


def test_periods_run_from_local_midnight_to_the_end_of_today():
    stats = service()
    week = stats.period("week")
    assert (week.first_day, week.last_day) == (date(2026, 3, 30), date(2026, 3, 31))
    assert week.since == datetime(2026, 3, 29, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
    assert week.until == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    month = stats.period("month")
    assert (month.first_day, month.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    last_week = stats.period("last_week")
    assert (last_week.first_day, last_week.last_day) == (date(2026, 3, 23), date(2026, 3, 29))


def test_the_period_before_has_the_same_length_and_never_overlaps():
    stats = service()
    before = stats.previous(stats.period("week"))
    assert (before.first_day, before.last_day) == (date(2026, 3, 23), date(2026, 3, 24))
    # 31 days of March against February's 28: February whole, not into March.
    february = stats.previous(stats.period("month"))
    assert (february.first_day, february.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    last_year = stats.previous(stats.period("year"))
    assert (last_year.first_day, last_year.last_day) == (date(2025, 1, 1), date(2025, 3, 31))


def test_the_briefing_time_is_the_latest_scheduled_one_within_the_grace():
    stats = service(cron="0 9 * * mon", grace_hours=12)
    monday_nine = datetime(2026, 3, 30, 1, 0, tzinfo=UTC)
    assert stats.last_briefing_time(monday_nine) == monday_nine
    assert stats.last_briefing_time(datetime(2026, 3, 30, 12, 59, tzinfo=UTC)) == monday_nine
    assert stats.last_briefing_time(datetime(2026, 3, 30, 13, 1, tzinfo=UTC)) is None  # missed: skipped
    assert stats.last_briefing_time(datetime(2026, 3, 30, 0, 59, tzinfo=UTC)) is None  # not yet


def days(period) -> tuple[str, str]:
    return period.first_day.isoformat(), period.last_day.isoformat()


# Each kind as of Tuesday 31 March 2026: (the period, the one before, the same a year before).
EXPECTED = {
    "week": (("2026-03-30", "2026-03-31"), ("2026-03-23", "2026-03-24"), ("2025-03-31", "2025-04-01")),
    "last_week": (("2026-03-23", "2026-03-29"), ("2026-03-16", "2026-03-22"), ("2025-03-24", "2025-03-30")),
    "month": (("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-02-28"), ("2025-03-01", "2025-03-31")),
    "last_month": (("2026-02-01", "2026-02-28"), ("2026-01-01", "2026-01-31"), ("2025-02-01", "2025-02-28")),
    "quarter": (("2026-01-01", "2026-03-31"), ("2025-10-01", "2025-12-29"), ("2025-01-01", "2025-03-31")),
    "last_quarter": (("2025-10-01", "2025-12-31"), ("2025-07-01", "2025-09-30"), ("2024-10-01", "2024-12-31")),
    "year": (("2026-01-01", "2026-03-31"), ("2025-01-01", "2025-03-31"), ("2025-01-01", "2025-03-31")),
    "last_year": (("2025-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31"), ("2024-01-01", "2024-12-31")),
}


def test_every_period_kind_has_its_period_before_and_its_year_before():
    stats = service()
    for key, (period_days, before_days, year_days) in EXPECTED.items():
        period = stats.period(key)
        assert days(period) == period_days, key
        assert days(stats.previous(period)) == before_days, key
        assert days(stats.year_before(period)) == year_days, key
        assert stats.year_before(period).first_day.weekday() == period.first_day.weekday() or "week" not in key


def test_a_typed_range_compares_with_as_many_days_before_and_a_year_before():
    stats = service()
    october = stats.periods.parse_range("2026-10-01..2026-10-31")
    assert (october.key, days(october), october.days) == ("custom", ("2026-10-01", "2026-10-31"), 31)
    assert days(stats.previous(october)) == ("2026-08-31", "2026-09-30")
    assert days(stats.year_before(october)) == ("2025-10-01", "2025-10-31")
    leap = stats.periods.parse_range("２０２４-０２-２９ 至 2024-03-01")  # full-width digits, as typed in Chinese
    assert days(stats.year_before(leap)) == ("2023-02-28", "2023-03-01")
    assert stats.periods.from_token(october.token, NOW) == october


def test_a_range_that_cannot_be_counted_says_why():
    stats = service()
    for typed, reason in (("2026-10-31..2026-10-01", "order"), ("2020-01-01..2026-01-01", "length"),
                          ("2026-02-30..2026-03-01", "format"), ("October", "format")):
        with pytest.raises(RangeProblem) as problem:
            stats.periods.parse_range(typed)
        assert problem.value.reason == reason, typed
    assert stats.periods.from_token("c20261031-20261001", NOW) is None
    assert stats.periods.from_token("decade", NOW) is None
