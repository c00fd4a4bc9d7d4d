"""How a report's stored keys and answers read (kinds, categories, statuses, where and when), for
the review, the case card, /myreports and /stats. Plain text: whoever puts it in a message escapes it."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot.config_reports import ReportSettings
from bot.i18n import N_, LazyText, _, current_locale
from storage.models import CaseStatus

MAX_SUMMARY = 300

KIND_LABELS: dict[str, LazyText] = {
    "incident": N_("An incident: theft, fraud, danger…"),
    "dispute": N_("A dispute: neighbours, fees, family…"),
}
KIND_NAMES: dict[str, LazyText] = {"incident": N_("Incident"), "dispute": N_("Dispute")}
WHEN_LABELS: dict[str, LazyText] = {
    "now": N_("Just now"),
    "today": N_("Earlier today"),
    "yesterday": N_("Yesterday"),
    "pick": N_("Pick a date"),
}
MEDIATION_TIME_LABELS: dict[str, LazyText] = {
    "weekday_morning": N_("Weekday mornings"),
    "weekday_afternoon": N_("Weekday afternoons"),
    "weekday_evening": N_("Weekday evenings"),
    "weekend": N_("Weekends"),
    "any": N_("Any time"),
}
#: A case's status as its reporter and staff read it.
STATUS_LABELS: dict[CaseStatus, LazyText] = {
    CaseStatus.NEW: N_("received"),
    CaseStatus.ACCEPTED: N_("accepted"),
    CaseStatus.IN_PROGRESS: N_("being handled"),
    CaseStatus.RESOLVED: N_("resolved"),
    CaseStatus.FOLLOWED_UP: N_("followed up"),
    CaseStatus.CLOSED: N_("closed"),
    CaseStatus.REJECTED: N_("not taken up"),
    CaseStatus.REOPENED: N_("reopened"),
    CaseStatus.WITHDRAWN: N_("withdrawn by the reporter"),
}


def category_label(settings: ReportSettings, kind: str, category_id: str) -> str:
    locale = current_locale.get()
    item = settings.dispute_kind(category_id) if kind == "dispute" else settings.incident_category(category_id)
    return item.in_locale(locale) if item else category_id


def day_label(day: date) -> str:
    locale = current_locale.get()
    # Short enough for three buttons a row on a phone ("12/1 周二").
    return format_date(day, "M/d EEE" if locale == "zh" else "EEE d MMM", locale=locale)


def status_label(status: str) -> str:
    return STATUS_LABELS[status].translated() if status in STATUS_LABELS else status


def where_text(where: dict) -> str:
    if "latitude" in where:
        return _("📍 location shared")
    return where.get("area") or where.get("address") or _("not given")


def when_text(when: dict) -> str:
    if when.get("kind") in ("now", "today", "yesterday"):
        return WHEN_LABELS[when["kind"]].translated()
    if when.get("date"):
        return day_label(date.fromisoformat(when["date"]))
    return _("not given")


def shorten(text: str, limit: int = MAX_SUMMARY) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
