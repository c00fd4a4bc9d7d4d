"""The sections of the figures message, in order. Each section is a provider: given the report
(a period with its two comparisons, the areas, who is looking) it returns its lines of plain text
in the current locale, or none to be left out. The figures of other features (mediation, scam
checks…) join the message by adding their provider to SECTIONS with `add_section`; they may run
their own queries for `view.period` and `view.areas`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.roles import CASE_MANAGER_ROLES, Role
from bot.services.stats import Figures, StatsReport
from bot.services.stats_periods import Period
from handlers.report_labels import category_label
from handlers.stats_labels import change, duration, grade_name, kind_name, level_name, outcome_name, percent, points
from storage.stats import Areas


@dataclass(frozen=True)
class StatsView:
    """What a section is asked to show."""

    report: StatsReport
    roles: frozenset[Role]

    @property
    def period(self) -> Period:
        return self.report.period

    @property
    def areas(self) -> Areas:
        return self.report.areas

    @property
    def may_see_workload(self) -> bool:
        return any(role in CASE_MANAGER_ROLES for role in self.roles)


SectionProvider = Callable[[PinganContext, StatsView], Awaitable[list[str]]]


def counted(now: int, before: int, year: int) -> str:
    """A count with the period before and the year before, each with its change."""
    return compared(str(now), _with_change(str(before), change(now, before)),
                    _with_change(str(year), change(now, year)))


def shared(now: float | None, before: float | None, year: float | None) -> str:
    """A share with the period before and the year before, the changes in percentage points."""
    return compared(percent(now), _with_change(percent(before), points(now, before)),
                    _with_change(percent(year), points(now, year)))


def timed(now: float | None, before: float | None, year: float | None) -> str:
    """A duration with the period before and the year before."""
    return compared(duration(now), duration(before), duration(year))


def compared(now: str, before: str, year: str) -> str:
    return _("{now} · before: {before} · a year before: {year}").format(now=now, before=before, year=year)


def _with_change(value: str, difference: str) -> str:
    return value if difference == "—" else f"{value} ({difference})"


def _three(view: StatsView) -> tuple[Figures, Figures, Figures]:
    return view.report.current, view.report.previous, view.report.year_before


async def received_section(context: PinganContext, view: StatsView) -> list[str]:
    """Reports received, by type, category, grade and handling level."""
    now, before, year = _three(view)
    cases, settings = now.cases, context.services.config.reports
    lines = [_("Reports received: {total} (incidents {incidents}, disputes {disputes})").format(
        total=cases.received, incidents=cases.incidents, disputes=cases.disputes)]
    lines.append(_("Compared: {figures}").format(figures=counted(cases.received, before.cases.received,
                                                                 year.cases.received)))
    for kind, attribute in (("incident", "incidents"), ("dispute", "disputes")):
        lines.append(kind_name(kind) + _(": ") + counted(getattr(cases, attribute), getattr(before.cases, attribute),
                                                     getattr(year.cases, attribute)))
    if cases.urgent:
        lines.append(_("Reported as happening now: {count}").format(count=cases.urgent))
    if cases.by_category:
        lines.append(_("By category:"))
        lines += ["  " + category_label(settings, *key) + _(": ") + counted(n, before.cases.by_category.get(key, 0),
                                                                   year.cases.by_category.get(key, 0))
                  for key, n in cases.by_category.items()]
    if cases.received:
        grades = " · ".join(f"{grade_name(g)} {cases.by_grade[g]}" for g in ("red", "orange", "yellow", "green", "")
                            if cases.by_grade.get(g))
        lines.append(_("By grade: {list}").format(list=grades))
        levels = " · ".join(f"{level_name(level)} {n}" for level, n in sorted(cases.by_level.items(),
                                                                             key=lambda item: _LEVELS.index(item[0])))
        lines.append(_("By handling level: {list}").format(list=levels))
    return lines


_LEVELS = ("grid", "community", "township", "county", "")


async def handling_section(context: PinganContext, view: StatsView) -> list[str]:
    """Time limits kept, how long accepting and resolving took, what came of the cases."""
    now, before, year = _three(view)
    cases = now.cases
    lines = [_("Accepted within the time limit: {figures}").format(
        figures=shared(now.accepted_on_time, before.accepted_on_time, year.accepted_on_time))]
    lines.append(_("Time to accept: median {median}, 90% within {p90}").format(
        median=duration(now.durations.to_accept.median), p90=duration(now.durations.to_accept.p90)))
    lines.append(_("Median time to accept compared: {figures}").format(figures=timed(
        now.durations.to_accept.median, before.durations.to_accept.median, year.durations.to_accept.median)))
    lines.append(_("Time to resolve: median {median}, 90% within {p90}").format(
        median=duration(now.durations.to_resolve.median), p90=duration(now.durations.to_resolve.p90)))
    lines.append(_("Median time to resolve compared: {figures}").format(figures=timed(
        now.durations.to_resolve.median, before.durations.to_resolve.median, year.durations.to_resolve.median)))
    lines.append(_("Resolved: {resolved}, within the time limit: {on_time} ({rate}) · rejected: {rejected} · "
                   "still open: {open}").format(
        resolved=cases.resolved, on_time=cases.resolved_on_time, rate=percent(now.on_time),
        rejected=cases.rejected, open=cases.still_open))
    lines.append(_("Resolved within the time limit compared: {figures}").format(
        figures=shared(now.on_time, before.on_time, year.on_time)))
    if cases.by_outcome:
        outcomes = " · ".join(f"{outcome_name(outcome)} {n}" for outcome, n in cases.by_outcome.items())
        lines.append(_("Resolved by outcome: {list}").format(list=outcomes))
    if cases.withdrawn:
        lines.append(ngettext("Withdrawn by the reporter: {count}", "Withdrawn by the reporter: {count}",
                              cases.withdrawn).format(count=cases.withdrawn))
    open_now = view.report.open_now
    lines.append(_("Open now: {open} · overdue: {overdue}").format(open=open_now.open, overdue=open_now.overdue))
    if now.supervised:
        lines.append(ngettext("Supervised (new deadline set): {count} case",
                              "Supervised (new deadline set): {count} cases", now.supervised).format(
            count=now.supervised))
    return lines


async def mediation_section(context: PinganContext, view: StatsView) -> list[str]:
    """Disputes screened and mediated, and the success rate."""
    now, before, year = _three(view)
    cases = now.cases
    return [
        _("Disputes screened: {screened} · settled by mediation: {mediated} ({rate}) · "
          "mediation failed: {failed}").format(screened=cases.disputes, mediated=cases.mediated,
                                              rate=percent(now.mediation_success), failed=cases.mediation_failed),
        _("Mediation success rate compared: {figures}").format(
            figures=shared(now.mediation_success, before.mediation_success, year.mediation_success)),
    ]


async def followup_section(context: PinganContext, view: StatsView) -> list[str]:
    """Follow-up visits: asked, answered, solved, satisfaction."""
    now, before, year = _three(view)
    followups = now.followups
    lines = [_("Follow-up visits: {asked} asked · {answered} answered · solved: {solved} · "
               "no answer: {silent}").format(asked=followups.asked, answered=followups.answered,
                                             solved=followups.solved, silent=followups.no_response)]
    lines.append(_("Solved, of the answers: {figures}").format(figures=shared(now.solved, before.solved, year.solved)))
    if followups.rated:
        satisfaction = _("Satisfaction: {rate} gave 4 or 5 stars · average {average} stars · rated by {count}")
        lines.append(satisfaction.format(rate=percent(now.satisfaction), average=f"{followups.average_stars:.1f}",
                                         count=followups.rated))
    lines.append(_("Satisfaction compared: {figures}").format(
        figures=shared(now.satisfaction, before.satisfaction, year.satisfaction)))
    return lines


async def workload_section(context: PinganContext, view: StatsView) -> list[str]:
    """Per case owner (supervisors and admins only): open, overdue, resolved in the period."""
    if not view.may_see_workload or not view.report.workload:
        return []
    lines = [_("Workload (open · overdue · resolved in the period):")]
    lines += [f"  {row.name or row.owner_id}: {row.open} · {row.overdue} · {row.resolved}"
              for row in view.report.workload]
    return lines


#: The message's sections, in order.
SECTIONS: list[SectionProvider] = [received_section, handling_section, mediation_section, followup_section,
                                   workload_section]


def add_section(provider: SectionProvider) -> None:
    """Adds a feature's figures to the message (after those already there; once)."""
    if provider not in SECTIONS:
        SECTIONS.append(provider)


async def section_lines(context: PinganContext, view: StatsView) -> list[list[str]]:
    """Every section's lines, empty sections left out."""
    sections = [await provider(context, view) for provider in SECTIONS]
    return [lines for lines in sections if lines]
