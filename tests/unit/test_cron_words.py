"""Schedules in words: cron-descriptor's wording, with our weekday and month names in Chinese."""

from __future__ import annotations

import pytest

from bot.cron_words import describe_cron


@pytest.mark.parametrize(("cron", "zh", "en"), [
    ("0 21 * * *", "每天 21:00", "Every day at 21:00"),
    ("5 7 * * *", "每天 07:05", "Every day at 07:05"),
    ("30 20 * * 5", "每周五 20:30", "Every Friday at 20:30"),
    ("0 9 * * 1", "每周一 09:00", "Every Monday at 09:00"),
    ("0 9 * * 7", "每周日 09:00", "Every Sunday at 09:00"),
    ("0 9 * * 1-5", "周一至周五 09:00", "Monday to Friday at 09:00"),
    ("0 10 * * 0,6", "每周六、周日 10:00", "Every Saturday and Sunday at 10:00"),
    ("0 9 * * 1,3", "在 09:00，仅在 星期一 和 星期三", "At 09:00, only on Monday and Wednesday"),
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
