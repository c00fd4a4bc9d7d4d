"""Schedules in words: cron-descriptor's wording, with our weekday and month names in Chinese."""

from __future__ import annotations

import pytest

from bot.cron_words import describe_cron


@pytest.mark.parametrize(("cron", "zh", "en"), [
    ("0 21 * * *", "每天 21:00", "Every day at 21:00"),
    ("5 7 * * *", "每天 07:05", "Every day at 07:05"),
    ("30 20 * * 5", "在 20:30，仅在 星期五", "At 20:30, only on Friday"),
    ("0 9 * * 1-5", "在 09:00，星期一 到 星期五", "At 09:00, Monday through Friday"),
    ("0 9 1 3 *", "在 09:00，每月的 1 号，仅在 3月", "At 09:00, on day 1 of the month, only in March"),
])
def test_common_schedules_read_as_words_in_both_languages(cron, zh, en):
    assert describe_cron(cron, "zh") == zh
    assert describe_cron(cron, "en") == en


def test_no_english_names_or_half_width_commas_are_left_in_chinese():
    for cron in ("0 8 * * 0,6", "0 10 * 1-3 2", "*/30 8-18 * * 1-5", "0 9 * 12 7"):
        words = describe_cron(cron, "zh")
        assert not any(c.isascii() and c.isalpha() for c in words), words
        assert ", " not in words


def test_an_expression_the_library_cannot_read_is_shown_as_written():
    assert describe_cron("every night", "zh") == "every night"
