"""Dates and times as readers write them: "12月2日 21:35" in Chinese and "2 Dec 21:35" in English,
in the deployment's (or the group's) zone, with the year only when it is not this year. Every text
that shows a moment to a person goes through here (Babel's patterns, not strftime)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_interval

#: Babel patterns: (this year, another year), per language.
_MOMENT = {"zh": ("M月d日 HH:mm", "y年M月d日 HH:mm"), "en": ("d MMM HH:mm", "d MMM y HH:mm")}
_DAY = {"zh": ("M月d日", "y年M月d日"), "en": ("d MMM", "d MMM y")}


def moment_text(moment: datetime, locale: str, zone: str, now: datetime | None = None) -> str:
    """A moment in `zone`: the year shown when it differs from `now`'s (default: the moment's own year)."""
    local = moment.astimezone(ZoneInfo(zone))
    this_year = (now.astimezone(ZoneInfo(zone)).year if now is not None else local.year) == local.year
    patterns = _MOMENT.get(locale, _MOMENT["en"])
    return format_datetime(local, patterns[0] if this_year else patterns[1], locale=_babel(locale))


def day_text(day: date, locale: str, today: date | None = None) -> str:
    """A day: the year shown when it differs from `today`'s."""
    this_year = (today.year if today is not None else day.year) == day.year
    patterns = _DAY.get(locale, _DAY["en"])
    return format_date(day, patterns[0] if this_year else patterns[1], locale=_babel(locale))


def span_text(first: date, last: date, locale: str) -> str:
    """A run of days with its year, as Babel's interval patterns write it: 2026年11月23日 – 12月6日,
    23 Nov – 6 Dec 2026 (one day alone when first is last)."""
    # Babel's thin spaces around the dash become plain ones, as in every other text of the bot.
    return format_interval(first, last, "yMMMd", locale=_babel(locale)).replace("\u2009", " ")


def _babel(locale: str) -> str:
    return "zh_Hans_CN" if locale == "zh" else "en_GB"
