"""The figures of two features in /stats and the briefing: mediation with both parties
(handlers/mediation_*) and the scam check (/check). Each is a section provider of
handlers/stats_sections.py, over the same period, comparisons and areas as the rest; `register()`
adds them (handlers/__init__.py calls it with the other registrations)."""

from __future__ import annotations

from collections import Counter

from bot.context import PinganContext
from bot.i18n import _
from bot.services.scam_figures import ScamCheckFigures
from bot.services.stats_periods import Period
from handlers.stats_labels import percent
from handlers.stats_sections import StatsView, add_section, counted, shared
from storage.mediation_figures import MediationFigures
from storage.stats import Areas


def _area_list(areas: Areas) -> list[str | None]:
    """The areas to add up: each one asked, or None for all."""
    return [None] if areas is None else list(areas)


async def mediation_over(context: PinganContext, period: Period, areas: Areas) -> MediationFigures:
    """The mediation figures of a period, added up over the areas asked."""
    totals: Counter = Counter()
    for area in _area_list(areas):
        figures = await context.services.mediation.figures(period.since, period.until, area)
        totals.update(figures.model_dump())
    return MediationFigures(**totals)


async def scam_checks_over(context: PinganContext, period: Period, areas: Areas) -> ScamCheckFigures:
    """The scam-check figures of a period, added up over the areas asked."""
    checks = flagged = clusters = 0
    by_type: Counter = Counter()
    for area in _area_list(areas):
        figures = await context.services.scam_figures.figures(period.since, period.until, area)
        checks, flagged, clusters = checks + figures.checks, flagged + figures.flagged, clusters + figures.clusters
        by_type.update(figures.by_type)
    return ScamCheckFigures(checks=checks, flagged=flagged, clusters=clusters, by_type=dict(by_type.most_common()))


def _periods(view: StatsView) -> tuple[Period, Period, Period]:
    report = view.report
    return report.current.period, report.previous.period, report.year_before.period


async def mediation_parties_section(context: PinganContext, view: StatsView) -> list[str]:
    """Mediations with both parties: started, joined or declined, meetings, agreements, kept or broken."""
    now, before, year = [await mediation_over(context, p, view.areas) for p in _periods(view)]
    if not (now.started or before.started or year.started or now.kept or now.broken):
        return []
    return [
        _("Mediation with both parties: {started} started · the other party joined {joined}, declined {declined} · "
          "meetings held {meetings} (no-shows {no_shows}) · agreements {agreements}: kept {kept}, broken {broken} · "
          "no agreement {none}").format(
            started=now.started, joined=now.joined, declined=now.declined, meetings=now.meetings_held,
            no_shows=now.no_shows, agreements=now.agreements, kept=now.kept, broken=now.broken,
            none=now.no_agreement),
        _("Agreements kept, of mediations finished: {figures}").format(
            figures=shared(now.success_rate, before.success_rate, year.success_rate)),
    ]


async def scam_check_section(context: PinganContext, view: StatsView) -> list[str]:
    """Scam checks: how many, the share flagged, clusters raised, the types most seen."""
    now, before, year = [await scam_checks_over(context, p, view.areas) for p in _periods(view)]
    if not (now.checks or before.checks or year.checks):
        return []
    lines = [_("Scam checks: {checks} · a known fraud pattern in {flagged} ({share}) · waves raised: "
               "{clusters}").format(checks=now.checks, flagged=now.flagged, share=percent(now.share_flagged),
                                    clusters=now.clusters),
             _("Scam checks compared: {figures}").format(figures=counted(now.checks, before.checks, year.checks))]
    if now.by_type:
        checker = context.services.scam_rules.checker
        names = [f"{checker.fraud_type(type_id).name(context.locale)} {count}"
                 for type_id, count in list(now.by_type.items())[:5] if type_id in checker.library.types]
        if names:
            lines.append(_("Most seen: {types}").format(types=_(", ").join(names)))
    return lines


#: The features' sections, for /stats and the weekly briefing alike.
FEATURE_SECTIONS = (mediation_parties_section, scam_check_section)


def register() -> None:
    """Adds the features' sections to the figures message, after the station's own figures."""
    for provider in FEATURE_SECTIONS:
        add_section(provider)
