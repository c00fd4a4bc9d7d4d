"""The date picker's buttons fit three to a row on a phone, in both languages."""

from __future__ import annotations

from datetime import date, timedelta

from bot.i18n import using_locale
from handlers.report_labels import day_label


def test_day_buttons_are_short():
    with using_locale("zh"):
        assert day_label(date(2026, 12, 1)) == "12/1 周二"
        longest = max(len(day_label(date(2026, 1, 1) + timedelta(days=n))) for n in range(365))
        assert longest <= 8
    with using_locale("en"):
        assert day_label(date(2026, 12, 1)) == "Tue 1 Dec"
