"""Property-based and example tests for what people type: phones, dates, text lengths."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.validators import DateProblem, TextProblem, check_text, normalise_phone, parse_past_date


@pytest.mark.parametrize("typed,expected", [
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("+86 138-0013-8000", "+8613800138000"),
    ("0086 13800138000", "+8613800138000"),
    ("0851-12345678", "0851-12345678"),
    ("010 12345678", "010-12345678"),
    ("(020) 8765 4321", "020-87654321"),
    ("１３８００１３８０００", "+8613800138000"),  # full-width digits from a Chinese input method
    ("＋８６ １３８ ００１３ ８０００", "+8613800138000"),
    ("12345", None),
    ("23800138000", None),
    ("1380013800", None),
    ("+1 415 555 0100", None),
    ("hello", None),
])
def test_china_phone_examples(typed, expected):
    assert normalise_phone(typed, "CN") == expected


def test_international_numbers_only_outside_cn_mode():
    assert normalise_phone("+1 415 555 0100", "any") == "+14155550100"


@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9),
       st.sampled_from(["", " ", "-"]), st.sampled_from(["", "+86", "0086", "+86 "]))
def test_any_mainland_mobile_in_any_common_spelling(second, rest, sep, prefix):
    digits = "1" + second + rest
    typed = prefix + sep.join([digits[:3], digits[3:7], digits[7:]])
    assert normalise_phone(typed) == "+86" + digits


@given(st.text(max_size=40))
def test_phone_never_raises_and_output_is_canonical(text):
    result = normalise_phone(text)
    assert result is None or result.startswith("+86") or result.startswith("0")
    if result is not None:
        assert normalise_phone(result) == result  # canonical form is a fixed point


TODAY = date(2026, 3, 15)


@pytest.mark.parametrize("typed,expected", [
    ("2026-03-01", date(2026, 3, 1)),
    ("2026/3/1", date(2026, 3, 1)),
    ("2026年3月1日", date(2026, 3, 1)),
    ("3月1日", date(2026, 3, 1)),
    ("3月1号", date(2026, 3, 1)),
    ("12-25", date(2025, 12, 25)),  # not yet come this year: last year's
    ("3.15", date(2026, 3, 15)),
    ("３月１日", date(2026, 3, 1)),
    ("March 1", date(2026, 3, 1)),
    ("1 March", date(2026, 3, 1)),
    ("Mar 1, 2026", date(2026, 3, 1)),
    ("december 25", date(2025, 12, 25)),
    ("3rd Feb 2026", date(2026, 2, 3)),
])
def test_date_examples(typed, expected):
    assert parse_past_date(typed, TODAY).value == expected


@pytest.mark.parametrize("typed,problem", [
    ("2026-03-16", DateProblem.IN_FUTURE),
    ("2026-02-30", DateProblem.UNREADABLE),
    ("yesterday-ish", DateProblem.UNREADABLE),
    ("2020-01-01", DateProblem.TOO_OLD),
])
def test_date_problems(typed, problem):
    assert parse_past_date(typed, TODAY).problem is problem


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.dates())
def test_parsed_dates_are_never_in_the_future(today, typed_date):
    result = parse_past_date(typed_date.isoformat(), today)
    assert (result.value is None) != (result.problem is None)
    if result.value is not None:
        assert result.value <= today and result.value == typed_date


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 1, 1)), st.integers(0, 300))
def test_recent_past_dates_round_trip(today, days_ago):
    day = today - timedelta(days=days_ago)
    assert parse_past_date(f"{day.year}年{day.month}月{day.day}日", today).value == day


@given(st.text(max_size=2100))
def test_text_check_matches_length_rule(text):
    problem = check_text(text, 2000)
    stripped = text.strip()
    if not stripped:
        assert problem is TextProblem.EMPTY
    elif len(stripped) > 2000:
        assert problem is TextProblem.TOO_LONG
    else:
        assert problem is None


@given(st.integers(1, 20))
def test_text_just_over_the_limit_is_refused(extra):
    assert check_text("字" * (2000 + extra), 2000) is TextProblem.TOO_LONG
    assert check_text("字" * 2000, 2000) is None
