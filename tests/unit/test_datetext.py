"""Moments and days as readers write them, in both languages and in the reader's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.datetext import day_text, moment_text

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_a_moment_this_year_in_the_deployments_zone():
    moment = datetime(2026, 12, 2, 13, 35, tzinfo=UTC)  # 21:35 in Shanghai
    assert moment_text(moment, "zh", "Asia/Shanghai", NOW) == "12月2日 21:35"
    assert moment_text(moment, "en", "Asia/Shanghai", NOW) == "2 Dec 21:35"


def test_the_year_only_when_it_is_not_this_year():
    moment = datetime(2025, 3, 1, 1, 5, tzinfo=UTC)
    assert moment_text(moment, "zh", "Asia/Shanghai", NOW) == "2025年3月1日 09:05"
    assert moment_text(moment, "en", "Asia/Shanghai", NOW) == "1 Mar 2025 09:05"
    assert day_text(date(2025, 3, 1), "zh", NOW.date()) == "2025年3月1日"
    assert day_text(date(2026, 3, 1), "en", NOW.date()) == "1 Mar"


def test_new_years_eve_in_utc_is_new_year_in_shanghai():
    moment = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 1 January 2027, 04:00 in Shanghai
    assert moment_text(moment, "zh", "Asia/Shanghai", NOW) == "2027年1月1日 04:00"
