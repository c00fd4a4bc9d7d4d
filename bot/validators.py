"""Validators for what people type: phone numbers, dates, free text. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CN_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalise_phone(text: str, region: str = "CN") -> str | None:
    """A dialable number in one canonical form, or None if it is not a phone number.

    Mainland China (region "CN"): mobiles become +86XXXXXXXXXXX, landlines keep their area code
    (0851-12345678). Region "any" also accepts any international number in + form.
    """
    # NFKC: full-width digits and plus sign (１３９…, ＋86) as typed with a Chinese input method.
    raw = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+86"):
        national = raw[3:]
        if _CN_MOBILE.match(national):
            return "+86" + national
        if _CN_LANDLINE.match("0" + national.lstrip("0")):
            return _format_landline("0" + national.lstrip("0"))
        return None
    if _CN_MOBILE.match(raw):
        return "+86" + raw
    if _CN_LANDLINE.match(raw):
        return _format_landline(raw)
    if region != "CN" and _E164.match(raw):
        return raw
    return None


def _format_landline(digits: str) -> str:
    # Three-digit area codes are 010 and 02X; the rest have four digits.
    split = 3 if digits[1] in "12" else 4
    return f"{digits[:split]}-{digits[split:]}"


class DateProblem(StrEnum):
    UNREADABLE = "unreadable"
    IN_FUTURE = "in_future"
    TOO_OLD = "too_old"


@dataclass(frozen=True)
class DateResult:
    value: date | None
    problem: DateProblem | None = None


_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_SHORT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTHS = {name: n for n, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")   # March 1, 2026
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?$")   # 1 March 2026


def parse_past_date(text: str, today: date, *, max_age_days: int = 366) -> DateResult:
    """A date someone typed (2026-03-01, 2026/3/1, 3月1日, 3-1 …) that is not in the future.

    Day-and-month alone means this year, or last year if that date has not come yet.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("号", "日")
    match = _FULL.match(cleaned)
    try:
        if match:
            value = date(int(match[1]), int(match[2]), int(match[3]))
        elif match := _SHORT.match(cleaned):
            value = _latest(today, int(match[1]), int(match[2]))
        elif named := _named_month(cleaned.casefold()):
            month, day, year = named
            value = date(year, month, day) if year else _latest(today, month, day)
        else:
            return DateResult(None, DateProblem.UNREADABLE)
    except ValueError:  # 2月30日 and the like
        return DateResult(None, DateProblem.UNREADABLE)
    if value > today:
        return DateResult(None, DateProblem.IN_FUTURE)
    if (today - value).days > max_age_days:
        return DateResult(None, DateProblem.TOO_OLD)
    return DateResult(value)


def _latest(today: date, month: int, day: int) -> date:
    """Day and month alone: this year's, or last year's if this year's has not come yet."""
    value = date(today.year, month, day)
    return value if value <= today else date(today.year - 1, month, day)


def _named_month(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) from "March 1", "Mar 1, 2026", "1 March" …; None otherwise."""
    if match := _MONTH_DAY.match(text):
        name, day, year = match[1], match[2], match[3]
    elif match := _DAY_MONTH.match(text):
        day, name, year = match[1], match[2], match[3]
    else:
        return None
    month = _MONTHS.get(name)
    if month is None:
        return None
    return month, int(day), int(year) if year else None


class TextProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_text(text: str | None, max_chars: int) -> TextProblem | None:
    """None if the text is acceptable as an answer."""
    if text is None or not text.strip():
        return TextProblem.EMPTY
    if len(text.strip()) > max_chars:
        return TextProblem.TOO_LONG
    return None
