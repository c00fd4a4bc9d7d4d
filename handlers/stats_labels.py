"""How figures read: period names, comparisons, durations, shares, the chart texts and the
export's column names, in the current locale. Plain text: whoever puts it in a message escapes it."""

from __future__ import annotations

from datetime import timedelta

from bot.config_reports import ReportSettings
from bot.datetext import span_text
from bot.i18n import N_, LazyText, _, current_locale
from bot.services.export import ExportLabels
from bot.services.stats import ChartData, ChartTexts
from bot.services.stats_periods import CUSTOM, Period
from handlers.case_card import GRADE_LABELS, LEVEL_LABELS, OUTCOME_LABELS
from handlers.report_labels import KIND_NAMES, category_label, status_label

#: The period buttons.
PERIOD_BUTTONS: dict[str, LazyText] = {
    "week": N_("This week"), "last_week": N_("Last week"), "month": N_("This month"), "last_month": N_("Last month"),
    "quarter": N_("This quarter"), "last_quarter": N_("Last quarter"), "year": N_("This year"),
    "last_year": N_("Last year"),
}
#: What `/stats last month` and the like accept, in either language (words joined by spaces).
PERIOD_WORDS = {
    "week": "week", "w": "week", "this week": "week", "周": "week", "本周": "week",
    "last week": "last_week", "lastweek": "last_week", "上周": "last_week",
    "month": "month", "m": "month", "this month": "month", "月": "month", "本月": "month",
    "last month": "last_month", "lastmonth": "last_month", "上月": "last_month", "上个月": "last_month",
    "quarter": "quarter", "q": "quarter", "this quarter": "quarter", "季度": "quarter", "本季度": "quarter",
    "last quarter": "last_quarter", "lastquarter": "last_quarter", "上季度": "last_quarter",
    "上个季度": "last_quarter",
    "year": "year", "y": "year", "this year": "year", "年": "year", "今年": "year",
    "last year": "last_year", "lastyear": "last_year", "去年": "last_year",
}
NOT_GRADED = N_("not graded")
NO_LEVEL = N_("no level set")


def period_name(period: Period) -> str:
    """"this month", or the range's first and last day."""
    if period.key == CUSTOM:
        return span(period)
    return PERIOD_BUTTONS[period.key].translated().lower()  # "this month"; Chinese has no case


def areas_text(areas: tuple[str, ...] | None) -> str:
    """"all areas", or the areas named."""
    return _("all areas") if areas is None else "、".join(areas)


def span(period: Period) -> str:
    """The first and the last day as the reader writes them: "2026年10月1日 – 31日", "1 – 31 Oct 2026"."""
    return span_text(period.first_day, period.last_day, current_locale.get())


def percent(value: float | None) -> str:
    """A share as "12.5%", or "—" when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def change(now: float | None, before: float | None) -> str:
    """The change from `before` to `now` as a signed percentage ("—" when there is no base)."""
    if now is None or not before:
        return "—"
    return f"{(now - before) / before * 100:+.0f}%"


def points(now: float | None, before: float | None) -> str:
    """The change between two shares, in percentage points."""
    if now is None or before is None:
        return "—"
    return _("{change} pts").format(change=f"{(now - before) * 100:+.1f}")


def duration(seconds: float | None) -> str:
    """Minutes under two hours, hours under two days, else days."""
    if seconds is None:
        return "—"
    if seconds < 2 * 3600:
        return _("{count} min").format(count=round(seconds / 60))
    if seconds < 2 * 86400:
        return _("{count} h").format(count=f"{seconds / 3600:.1f}")
    return _("{count} d").format(count=f"{seconds / 86400:.1f}")


def grade_name(grade: str) -> str:
    """A grade's name ("" is not graded)."""
    return GRADE_LABELS[grade].translated() if grade in GRADE_LABELS else NOT_GRADED.translated()


def level_name(level: str) -> str:
    """A handling level's name ("" is none set)."""
    return LEVEL_LABELS[level].translated() if level in LEVEL_LABELS else NO_LEVEL.translated()


def outcome_name(outcome: str) -> str:
    """A resolution's outcome as staff read it."""
    return OUTCOME_LABELS[outcome].translated() if outcome in OUTCOME_LABELS else (outcome or _("no outcome given"))


def kind_name(kind: str) -> str:
    """Incident or dispute."""
    return KIND_NAMES[kind].translated() if kind in KIND_NAMES else kind


def chart_texts(data: ChartData, settings: ReportSettings) -> ChartTexts:
    """Every text of the charts, in the current locale."""
    title = _("Cases per day by type") if data.bucket_days == 1 else _("Cases per week by type")
    starts = [data.period.first_day + timedelta(days=i * data.bucket_days) for i in range(len(data.cases))]
    return ChartTexts(
        cases_title=title,
        incident=kind_name("incident"),
        dispute=kind_name("dispute"),
        year_before=_("The same period a year before"),
        categories_title=_("Cases by category"),
        other=_("Other categories"),
        resolve_title=_("Median time to resolve, by grade"),
        hours=_("hours"),
        satisfaction_title=_("Satisfaction (4 or 5 stars)"),
        satisfied_share=_("Share of reporters who rated (%)"),
        no_data=_("No data in this period"),
        bucket_labels=[f"{day:%m-%d}" for day in starts],
        category_labels={key: category_label(settings, *key) for key in data.categories},
        grade_labels={grade: grade_name(grade) for grade in ("red", "orange", "yellow", "green", "")},
    )


#: The export's column headers (bot/services/export.py CSV_COLUMNS).
EXPORT_HEADERS: dict[str, LazyText] = {
    "ref": N_("Reference"), "kind": N_("Type"), "category": N_("Category"), "area": N_("Area"),
    "grade": N_("Grade"), "level": N_("Handling level"), "status": N_("Status"), "outcome": N_("Outcome"),
    "created": N_("Reported at"), "accepted": N_("Accepted at"), "resolved": N_("Resolved at"),
    "closed": N_("Closed at"), "accepted_within_limit": N_("Accepted within the time limit"),
    "resolved_within_limit": N_("Resolved within the time limit"), "followup_solved": N_("Follow-up: solved"),
    "followup_stars": N_("Follow-up: stars"), "followup_no_response": N_("Follow-up: no answer"),
    "mediation": N_("Mediation with both parties"),
}
#: A two-party mediation's state (bot/services/mediation.py Status), as the export shows it.
MEDIATION_STATES: dict[str, LazyText] = {
    "taken": N_("mediator assigned"), "invited": N_("other party invited"), "joined": N_("other party joined"),
    "declined": N_("other party declined"), "proposed": N_("agreement awaiting confirmation"),
    "agreed": N_("agreement being carried out"), "broken": N_("agreement broken"),
    "kept": N_("mediated and kept"), "failed": N_("no agreement"),
}
YES_NO: dict[str, LazyText] = {"yes": N_("yes"), "no": N_("no")}


def export_labels(settings: ReportSettings) -> ExportLabels:
    """The export's headers and values in the current locale."""
    values = {"kind": kind_name, "grade": lambda key: grade_name(key or ""),
              "level": lambda key: level_name(key or ""), "status": status_label, "outcome": outcome_name,
              "yes_no": lambda key: YES_NO[key].translated(),
              "mediation": lambda key: MEDIATION_STATES[key].translated() if key in MEDIATION_STATES else key}
    return ExportLabels(headers={column: header.translated() for column, header in EXPORT_HEADERS.items()},
                        category=lambda kind, category: category_label(settings, kind, category),
                        value=lambda field, key: values[field](key))
