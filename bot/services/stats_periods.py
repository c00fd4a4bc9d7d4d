"""The periods figures are counted over, in the deployment's time zone, and the two each is
compared with: the period before of the same length, and the same period a year before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Periods with a button: so far this week (from Monday), month, quarter, year; and the whole one before.
PERIOD_KINDS = ("week", "last_week", "month", "last_month", "quarter", "last_quarter", "year", "last_year")
CUSTOM = "custom"
#: The longest custom range: three years, the span a station compares.
MAX_CUSTOM_DAYS = 3 * 366
_RANGE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*(?:\.\.|–|—|~|～|to|至|到)\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class Period:
    key: str                # a PERIOD_KINDS key, or custom
    since: datetime         # aware, UTC
    until: datetime         # aware, UTC, exclusive
    first_day: date         # local dates, for display
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def token(self) -> str:
        """The period in a button: its key, or the custom range as `c20261001-20261031`."""
        if self.key != CUSTOM:
            return self.key
        return f"c{self.first_day:%Y%m%d}-{self.last_day:%Y%m%d}"


class RangeProblem(ValueError):
    """A typed range that cannot be counted over; `reason` is one of: format, order, length."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Periods:
    """Turns period keys and ranges into spans of local days at a given time."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self._tz = timezone

    def current(self, key: str, now: datetime) -> Period:
        """A PERIOD_KINDS period as of `now`; `week`, `month` … end with today, `last_*` are whole."""
        today = now.astimezone(self._tz).date()
        unit, whole = (key[5:], True) if key.startswith("last_") else (key, False)
        if unit not in _UNITS or key not in PERIOD_KINDS:
            raise ValueError(f"unknown period {key!r}")
        start = _unit_start(unit, today)
        if whole:
            before = _unit_start(unit, start - timedelta(days=1))
            return self.span(key, before, start - timedelta(days=1))
        return self.span(key, start, today)

    def custom(self, first: date, last: date) -> Period:
        if last < first:
            raise RangeProblem("order")
        if (last - first).days + 1 > MAX_CUSTOM_DAYS:
            raise RangeProblem("length")
        return self.span(CUSTOM, first, last)

    def parse_range(self, text: str) -> Period:
        """`2026-10-01..2026-10-31` (also with – ~ 至 between), both days included."""
        match = _RANGE.match(text.translate(_FULL_WIDTH))
        if not match:
            raise RangeProblem("format")
        numbers = [int(n) for n in match.groups()]
        try:
            first, last = date(*numbers[:3]), date(*numbers[3:])
        except ValueError:
            raise RangeProblem("format") from None
        return self.custom(first, last)

    def from_token(self, token: str, now: datetime) -> Period | None:
        """The period a button named (Period.token), or None if it names none."""
        if token in PERIOD_KINDS:
            return self.current(token, now)
        match = re.fullmatch(r"c(\d{8})-(\d{8})", token)
        if not match:
            return None
        try:
            first, last = (datetime.strptime(d, "%Y%m%d").date() for d in match.groups())
            return self.custom(first, last)
        except ValueError:
            return None

    def span(self, key: str, first: date, last: date) -> Period:
        since, until = (datetime.combine(d, time(0), self._tz).astimezone(UTC)
                        for d in (first, last + timedelta(days=1)))
        return Period(key, since, until, first, last)

    def previous(self, period: Period) -> Period:
        """The period just before, of the same length: the week before; the same days of the month,
        quarter or year before (never running into this one); the whole month, quarter or year
        before a whole one; for a typed range, as many days just before it."""
        unit = period.key[5:] if period.key.startswith("last_") else period.key
        if unit == "week" or period.key == CUSTOM:
            length = timedelta(days=7 if unit == "week" else period.days)
            return self.span(period.key, period.first_day - length, period.last_day - length)
        first = _unit_start(unit, period.first_day - timedelta(days=1))
        if period.key.startswith("last_"):
            return self.span(period.key, first, period.first_day - timedelta(days=1))
        last = min(first + timedelta(days=period.days - 1), period.first_day - timedelta(days=1))
        return self.span(period.key, first, last)

    def year_before(self, period: Period) -> Period:
        """The same period a year before: weeks 52 weeks back (Monday to Monday); other periods the
        same dates (29 February as the 28th)."""
        if period.key in ("week", "last_week"):
            back = timedelta(weeks=52)
            return self.span(period.key, period.first_day - back, period.last_day - back)
        return self.span(period.key, _a_year_before(period.first_day), _a_year_before(period.last_day))


_UNITS = ("week", "month", "quarter", "year")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－．", "0123456789-.")


def _unit_start(unit: str, day: date) -> date:
    """The first day of the week (Monday), month, quarter or year `day` is in."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _a_year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)
