"""Working-time arithmetic: working hours, nights, weekends, public holidays and adjusted working
days (调休) as the chinese_calendar package knows them for 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config_cases import CaseSettings, WorkingHours
from bot.services.working_time import Deadlines, WorkingCalendar, china_workday

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 24 * 60


def local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar(WorkingHours(start="08:30", end="17:30"), SHANGHAI)


@pytest.mark.parametrize(("start", "minutes", "due"), [
    (local(2026, 3, 4, 10), 120, local(2026, 3, 4, 12)),            # inside hours, same day
    (local(2026, 3, 4, 7), 60, local(2026, 3, 4, 9, 30)),           # before opening: counts from 08:30
    (local(2026, 3, 4, 19), 60, local(2026, 3, 5, 9, 30)),          # after closing: from the next morning
    (local(2026, 3, 4, 16, 30), 120, local(2026, 3, 5, 9, 30)),     # over a night
    (local(2026, 3, 6, 16, 30), 120, local(2026, 3, 9, 9, 30)),     # Friday afternoon: over the weekend
    (local(2026, 3, 7, 11), 30, local(2026, 3, 9, 9)),              # started on a Saturday
    (local(2026, 3, 4, 8, 30), 540, local(2026, 3, 4, 17, 30)),     # a whole day ends at its close
])
def test_working_minutes_are_added_within_working_hours(calendar, start, minutes, due):
    assert calendar.add(start, minutes) == due.astimezone(UTC)


def test_a_day_of_a_limit_is_one_working_day(calendar):
    assert calendar.working_minutes(DAY) == 540
    assert calendar.working_minutes(3 * DAY + 90) == 3 * 540 + 90
    assert calendar.working_minutes(15) == 15
    assert calendar.add(local(2026, 3, 4, 10), calendar.working_minutes(DAY)) == local(2026, 3, 5, 10).astimezone(UTC)


def test_national_day_2026_and_its_adjusted_saturday(calendar):
    """国庆 2026: 1–7 October off, Saturday 10 October a working day, Sunday 11 off."""
    start = local(2026, 9, 30, 10)
    assert calendar.add(start, calendar.working_minutes(DAY)) == local(2026, 10, 8, 10).astimezone(UTC)
    assert calendar.add(start, calendar.working_minutes(3 * DAY)) == local(2026, 10, 10, 10).astimezone(UTC)
    assert calendar.add(start, calendar.working_minutes(4 * DAY)) == local(2026, 10, 12, 10).astimezone(UTC)


def test_spring_festival_2026_and_its_adjusted_saturdays(calendar):
    """春节 2026: Saturday 14 February worked, 15–23 February off, Saturday 28 February worked."""
    assert calendar.add(local(2026, 2, 13, 17), 60) == local(2026, 2, 14, 9).astimezone(UTC)
    assert calendar.add(local(2026, 2, 14, 17), 60) == local(2026, 2, 24, 9).astimezone(UTC)
    assert calendar.is_working_day(date(2026, 2, 28))
    assert not calendar.is_working_day(date(2026, 2, 16))


def test_mid_autumn_2026_and_the_adjusted_sunday(calendar):
    """中秋 2026: 25–27 September off; Sunday 20 September a working day."""
    assert calendar.add(local(2026, 9, 19, 12), 30) == local(2026, 9, 20, 9).astimezone(UTC)
    assert calendar.add(local(2026, 9, 24, 17), 60) == local(2026, 9, 28, 9).astimezone(UTC)


def test_a_year_the_library_does_not_know_counts_monday_to_friday():
    assert china_workday(date(2099, 6, 5))       # a Friday
    assert not china_workday(date(2099, 6, 6))   # a Saturday


def test_own_working_hours_and_other_time_zones():
    calendar = WorkingCalendar(WorkingHours(start="09:00", end="12:00"), ZoneInfo("Asia/Urumqi"),
                               is_workday=lambda day: day.weekday() < 5)
    start = datetime(2026, 3, 4, 11, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert calendar.add(start, 90) == datetime(2026, 3, 5, 9, 30, tzinfo=ZoneInfo("Asia/Urumqi")).astimezone(UTC)


def test_wall_clock_grades_are_unchanged_and_working_ones_follow_the_calendar(calendar):
    settings = CaseSettings(limits={
        "red": {"accept_minutes": 15, "resolve_minutes": DAY},
        "orange": {"accept_minutes": 120, "resolve_minutes": 3 * DAY, "calendar": "working"},
        "yellow": {"accept_minutes": DAY, "resolve_minutes": 7 * DAY},
        "green": {"accept_minutes": 2 * DAY, "resolve_minutes": 15 * DAY},
    })
    deadlines = Deadlines(settings, calendar)
    friday_evening = local(2026, 3, 6, 20)
    assert deadlines.after(friday_evening, 15, "red") == friday_evening + timedelta(minutes=15)
    assert deadlines.after(friday_evening, DAY, "red", share=0.8) == friday_evening + timedelta(hours=19.2)
    assert deadlines.after(friday_evening, 120, "orange") == local(2026, 3, 9, 10, 30).astimezone(UTC)
    assert deadlines.after(friday_evening, 120, "orange", share=2) == local(2026, 3, 9, 12, 30).astimezone(UTC)
    assert deadlines.after(friday_evening, 3 * DAY, "orange") == local(2026, 3, 11, 17, 30).astimezone(UTC)


@pytest.mark.parametrize("hours", [{"start": "9:00"}, {"start": "17:30", "end": "08:30"}, {"end": "25:00"},
                                   {"start": "noon"}])
def test_bad_working_hours_are_refused(hours):
    with pytest.raises(ValueError):
        WorkingHours(**hours)
