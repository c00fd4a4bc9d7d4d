"""Time limits on the station's working calendar (限时办理 counts working days): working hours from
the config, and China's public holidays and adjusted working days (调休) from the maintained
`chinese_calendar` package, never a table of our own.

A limit on the working calendar counts a day of it (1,440 minutes) as one working day and the rest
as working hours and minutes; the clock stands still at night, at weekends and on holidays, and
runs on an adjusted working Saturday. A wall-clock limit counts every minute, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.config_cases import CaseSettings, WorkingHours

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60
#: How far ahead a working day is looked for: the longest holiday is far shorter.
_MAX_DAYS_OFF = 60
_years_warned: set[int] = set()


def china_workday(day: date) -> bool:
    """Whether `day` is a working day in mainland China: holidays off, adjusted weekend days on.
    Years the library does not know yet count Monday to Friday (logged once per year)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _years_warned:
            _years_warned.add(day.year)
            logger.warning("chinese_calendar has no holidays for %s: counting Monday to Friday (upgrade it)",
                           day.year)
        return day.weekday() < 5


class WorkingCalendar:
    """Adds working time to a moment: only working hours of working days count."""

    def __init__(self, hours: WorkingHours, tz: ZoneInfo, *,
                 is_workday: Callable[[date], bool] = china_workday) -> None:
        self._start, self._end = hours.start_time, hours.end_time
        self._tz = tz
        self._is_workday = is_workday
        self._day_minutes = (datetime.combine(date.min, self._end) - datetime.combine(date.min, self._start)
                             ).total_seconds() / 60

    def is_working_day(self, day: date) -> bool:
        return self._is_workday(day)

    def working_minutes(self, limit_minutes: float) -> float:
        """A limit in working minutes: each whole day of it is one working day."""
        days, rest = divmod(limit_minutes, MINUTES_PER_DAY)
        return days * self._day_minutes + rest

    def add(self, start: datetime, working_minutes: float) -> datetime:
        """`start` plus this much working time (UTC). Time left at the end of a working day goes
        on at the start of the next one; a deadline that fills a day exactly ends at its close."""
        moment = start.astimezone(self._tz)
        remaining = timedelta(minutes=working_minutes)
        while True:
            moment = self._next_working_moment(moment)
            closing = self._at(moment.date(), self._end)
            if remaining <= closing - moment:
                return (moment + remaining).astimezone(UTC)
            remaining -= closing - moment
            moment = closing

    def _next_working_moment(self, moment: datetime) -> datetime:
        """`moment` if the office is open then, else when it next opens."""
        day = moment.date()
        if self._is_workday(day) and moment.timetz().replace(tzinfo=None) < self._end:
            return max(moment, self._at(day, self._start))
        for _ in range(_MAX_DAYS_OFF):
            day += timedelta(days=1)
            if self._is_workday(day):
                return self._at(day, self._start)
        raise ValueError(f"no working day within {_MAX_DAYS_OFF} days after {moment.date()}")

    def _at(self, day: date, clock_time) -> datetime:
        return datetime.combine(day, clock_time, self._tz)


class Deadlines:
    """Limits of a grade from a moment, on the wall clock or the working calendar as configured."""

    def __init__(self, settings: CaseSettings, calendar: WorkingCalendar) -> None:
        self._settings = settings
        self._calendar = calendar

    def on_working_calendar(self, grade: str | None) -> bool:
        return self._settings.limits_for(grade).calendar == "working"

    def after(self, start: datetime, minutes: float, grade: str | None, *, share: float = 1.0) -> datetime:
        """`start` plus `share` of a limit of `minutes` (0.8: the reminder; 2: the admins' step),
        counted as the grade's limits are counted."""
        if not self.on_working_calendar(grade):
            return start + timedelta(minutes=minutes) * share
        return self._calendar.add(start, self._calendar.working_minutes(minutes) * share)


__all__ = ["WorkingCalendar", "Deadlines", "china_workday", "MINUTES_PER_DAY"]
