"""The charts sent with the figures, as PNG: cases per day or week by type (stacked) with the year
before as a line, categories (horizontal bars), median time to resolve by grade, and satisfaction.
Drawn headless (matplotlib's Agg canvas, no pyplot state), large type for a phone, six colours at
most, labels in the shipped CJK font (bot/fonts/, a subset of Noto Sans CJK SC) so Chinese never
renders as boxes. The texts come translated from the caller. Imported only when a chart is drawn:
matplotlib is large, and most processes never draw."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.services.stats import ChartData, ChartTexts

FONT_PATH = Path(__file__).parent / "fonts" / "PinganSansSC-Subset.otf"
font_manager.fontManager.addfont(str(FONT_PATH))
FONT_FAMILY = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()

#: The only colours drawn: two types, the year-before line, and the grades' own four (which reuse
#: two of them), six in all.
BLUE, ORANGE, GREY, RED, YELLOW, GREEN = "#1f5fa8", "#e07b00", "#555555", "#c0392b", "#d4a017", "#2e8b57"
PALETTE = (BLUE, ORANGE, GREY, RED, YELLOW, GREEN)
GRADE_COLOURS = {"red": RED, "orange": ORANGE, "yellow": YELLOW, "green": GREEN, "": GREY}
GRADE_ORDER = ("red", "orange", "yellow", "green", "")
#: Categories beyond this many are drawn as one "other" bar: a phone screen holds about ten.
MAX_CATEGORY_BARS = 10
_STYLE = {"font.family": [FONT_FAMILY, "DejaVu Sans"], "font.size": 15, "axes.titlesize": 19,
          "axes.labelsize": 15, "xtick.labelsize": 13, "ytick.labelsize": 14, "legend.fontsize": 14}
# Set once for the process (tick labels are made when drawn, after any rc_context would have ended).
matplotlib.rcParams.update(_STYLE)


def figures(data: ChartData, texts: ChartTexts) -> list[Figure]:
    """The four charts, drawn."""
    return [cases_chart(data, texts), categories_chart(data, texts), resolve_chart(data, texts),
            satisfaction_chart(data, texts)]


def render(data: ChartData, texts: ChartTexts) -> list[bytes]:
    """The four charts as PNG files."""
    return [to_png(figure) for figure in figures(data, texts)]


def to_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _figure(height: float = 6.4) -> Figure:
    return Figure(figsize=(8, height), dpi=110, layout="constrained")


def cases_chart(data: ChartData, texts: ChartTexts) -> Figure:
    """Stacked bars of incidents and disputes per bucket, the year before as a line."""
    figure = _figure()
    axes = figure.add_subplot()
    positions = list(range(len(data.cases)))
    incidents = [bucket["incident"] for bucket in data.cases]
    disputes = [bucket["dispute"] for bucket in data.cases]
    axes.bar(positions, incidents, color=BLUE, label=texts.incident)
    axes.bar(positions, disputes, bottom=incidents, color=ORANGE, label=texts.dispute)
    axes.plot(positions, data.year_before, color=GREY, linewidth=3, marker="o", label=texts.year_before)
    axes.set_title(texts.cases_title)
    _bucket_ticks(axes, texts.bucket_labels)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.legend(loc="outside lower center", ncols=3, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def categories_chart(data: ChartData, texts: ChartTexts) -> Figure:
    """Horizontal bars, most reported on top; the smallest ones summed as "other"."""
    items = list(data.categories.items())
    shown = items[:MAX_CATEGORY_BARS]
    rest = sum(n for _, n in items[MAX_CATEGORY_BARS:])
    labels = [texts.category_labels.get(key, key[1]) for key, _ in shown] + ([texts.other] if rest else [])
    counts = [n for _, n in shown] + ([rest] if rest else [])
    figure = _figure(height=max(4.0, 1.2 + 0.55 * len(labels)))
    axes = figure.add_subplot()
    if counts:
        colours = [BLUE if key[0] == "incident" else ORANGE for key, _ in shown] + ([GREY] if rest else [])
        positions = range(len(counts))
        bars = axes.barh(positions, counts[::-1], color=colours[::-1])
        axes.set_yticks(positions, labels[::-1])
        axes.bar_label(bars, padding=4)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _no_data(axes, texts)
    axes.set_title(texts.categories_title)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def resolve_chart(data: ChartData, texts: ChartTexts) -> Figure:
    """Median hours to resolve, a bar per grade in the grades' colours."""
    grades = [g for g in GRADE_ORDER if data.to_resolve_by_grade.get(g) is not None]
    figure = _figure(height=5.2)
    axes = figure.add_subplot()
    if grades:
        hours = [data.to_resolve_by_grade[g] for g in grades]
        bars = axes.bar([texts.grade_labels[g] for g in grades], hours,
                        color=[GRADE_COLOURS[g] for g in grades])
        axes.bar_label(bars, labels=[f"{h:.1f}" for h in hours], padding=4)
        axes.set_ylabel(texts.hours)
    else:
        _no_data(axes, texts)
    axes.set_title(texts.resolve_title)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def satisfaction_chart(data: ChartData, texts: ChartTexts) -> Figure:
    """The share of 4–5 stars per bucket, gaps where nobody rated."""
    figure = _figure(height=5.2)
    axes = figure.add_subplot()
    shares = [None if s is None else s * 100 for s in data.satisfaction]
    if any(s is not None for s in shares):
        points = [(i, s) for i, s in enumerate(shares) if s is not None]
        axes.plot([i for i, _ in points], [s for _, s in points], color=GREEN, linewidth=3, marker="o")
        axes.set_ylim(0, 105)
        axes.set_ylabel(texts.satisfied_share)
        _bucket_ticks(axes, texts.bucket_labels)
    else:
        _no_data(axes, texts)
    axes.set_title(texts.satisfaction_title)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def _bucket_ticks(axes, labels: list[str]) -> None:
    """At most eight labels along the bottom, so they stay legible on a phone."""
    step = max(1, -(-len(labels) // 8))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions])
    axes.set_xlim(-0.6, max(len(labels) - 0.4, 0.6))


def _no_data(axes, texts: ChartTexts) -> None:
    axes.text(0.5, 0.5, texts.no_data, ha="center", va="center", transform=axes.transAxes, color=GREY)
    axes.set_xticks([])
    axes.set_yticks([])
