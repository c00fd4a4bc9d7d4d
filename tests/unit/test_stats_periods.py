"""The periods /stats and the weekly briefing count over, in the deployment's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.clock import ManualClock
from bot.config_stats import BriefingSettings
from bot.services.stats import StatsService

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
