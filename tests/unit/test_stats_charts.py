"""The charts: valid PNGs, readable on a phone, six colours at most, and every character of their
labels (Chinese and English) in the shipped font, so nothing renders as a box."""

from __future__ import annotations

import struct
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot import stats_charts
from bot.config_reports import ReportSettings
from bot.i18n import using_locale
from bot.services.stats import ChartData
from bot.services.stats_periods import Periods
from handlers.stats_labels import chart_texts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def quarter_data() -> ChartData:
    settings = ReportSettings()
    categories = {("incident", item.id): 20 - i for i, item in enumerate(settings.incident_categories)}
    categories.update({("dispute", item.id): 9 - i for i, item in enumerate(settings.dispute_kinds)})
    period = Periods(ZoneInfo("Asia/Shanghai")).custom(date(2026, 1, 1), date(2026, 3, 31))
    return ChartData(period=period, bucket_days=7,
                     cases=[{"incident": 5 + i, "dispute": i % 4} for i in range(13)],
                     year_before=[4 + i % 3 for i in range(13)], categories=categories,
                     to_resolve_by_grade={"red": 3.5, "orange": 20.0, "yellow": 60.0, "green": 150.0, "": 40.0},
                     satisfaction=[None, 0.5, 0.75, 1.0] + [0.8] * 9)


def drawn_texts(figure) -> list[str]:
    FigureCanvasAgg(figure).draw()  # tick labels get their texts when drawn
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_charts_are_pngs_a_phone_can_read(locale):
    data = quarter_data()
    with using_locale(locale):
        pngs = stats_charts.render(data, chart_texts(data, ReportSettings()))
    assert len(pngs) == 4
    for png in pngs:
        assert png.startswith(PNG_SIGNATURE)
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert width >= 800 and height >= 400


def test_every_character_of_the_chinese_labels_is_in_the_shipped_font():
    cmap = TTFont(stats_charts.FONT_PATH).getBestCmap()
    data = quarter_data()
    with using_locale("zh"):
        texts = chart_texts(data, ReportSettings())
        figures = stats_charts.figures(data, texts)
    labels = [text for figure in figures for text in drawn_texts(figure)]
    assert texts.cases_title in labels and texts.year_before in labels and texts.grade_labels["red"] in labels
    assert sum(1 for label in labels if any("\u4e00" <= ch <= "\u9fff" for ch in label)) >= 20  # Chinese
    missing = {ch for label in labels for ch in label if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, f"not in {stats_charts.FONT_PATH.name}: {''.join(sorted(missing))}"
    assert stats_charts.FONT_FAMILY == "Pingan Sans SC Subset"


def test_the_font_covers_gb2312_level_1_and_ships_with_its_licence():
    cmap = TTFont(stats_charts.FONT_PATH).getBestCmap()
    level1 = [bytes((high, low)).decode("gb2312") for high in range(0xB0, 0xD8) for low in range(0xA1, 0xFF)
              if (high, low) < (0xD7, 0xFA)]
    assert len(level1) == 3755 and all(ord(ch) in cmap for ch in level1)
    assert all(ord(ch) in cmap for ch in "，。：；！？（）【】《》“”、…—·")
    licence = (stats_charts.FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_six_colours_at_most():
    data = quarter_data()
    with using_locale("en"):
        figures = stats_charts.figures(data, chart_texts(data, ReportSettings()))
    used = {to_hex(patch.get_facecolor()) for figure in figures for axes in figure.axes
            for patch in axes.findobj(Rectangle) if patch.get_height() and patch is not axes.patch}
    used |= {to_hex(line.get_color()) for figure in figures for axes in figure.axes for line in axes.get_lines()}
    assert len(stats_charts.PALETTE) <= 6
    assert used <= {to_hex(colour) for colour in stats_charts.PALETTE} | {"#ffffff"}


def test_a_period_without_cases_still_draws():
    data = quarter_data()
    empty = ChartData(period=data.period, bucket_days=7, cases=[{"incident": 0, "dispute": 0}] * 13,
                      year_before=[0] * 13, categories={}, to_resolve_by_grade={}, satisfaction=[None] * 13)
    with using_locale("zh"):
        pngs = stats_charts.render(empty, chart_texts(empty, ReportSettings()))
    assert all(png.startswith(PNG_SIGNATURE) for png in pngs)
