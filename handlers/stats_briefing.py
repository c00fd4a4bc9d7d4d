"""The Monday briefing: last week's key figures with the week before and the same week a year
before, the week's chart, the overdue cases with their owners and the cases whose follow-up said
"not solved" — to the staff chat (all areas) and to each area's staff chat (its areas). Claimed
once per scheduled time before anything is sent, so it goes out exactly once a week."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence

from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import _, ngettext, using_locale
from bot.services.stats import Briefing
from bot.services.stats_periods import Period
from handlers.moments import moment_words
from handlers.report_labels import category_label
from handlers.stats_feature_sections import FEATURE_SECTIONS
from handlers.stats_labels import areas_text, chart_texts, span
from handlers.stats_sections import StatsView, counted, shared
from storage.stats import Areas, CaseLine

logger = logging.getLogger(__name__)


async def send_briefing_if_due(context: PinganContext) -> None:
    """Job: last week's briefing to every staff chat, once per scheduled time."""
    services = context.services
    targets = briefing_targets(context)
    if not targets:
        return
    week = await services.stats.claim_briefing()
    if week is None:
        return
    for chat_id, areas in targets:
        try:
            await _send_briefing(context, chat_id, week, areas)
        except TelegramError:
            # Claimed before sending (at most once); the figures stay one /stats away.
            logger.exception("the weekly briefing could not be posted to chat %s", chat_id)


def briefing_targets(context: PinganContext) -> list[tuple[int, Areas]]:
    """(chat, areas): the staff chat for all areas, each area's staff chat for its own."""
    config = context.services.config
    targets: list[tuple[int, Areas]] = [(config.staff_chat_id, None)] if config.staff_chat_id is not None else []
    targets += [(chat.chat_id, tuple(chat.areas)) for chat in config.staff_chats
                if chat.chat_id != config.staff_chat_id]
    return targets


async def _send_briefing(context: PinganContext, chat_id: int, week: Period, areas: Areas) -> None:
    services = context.services
    group = await services.groups.by_chat_id(chat_id)
    language = (group.language if group is not None and group.language else None) or services.config.default_language
    briefing = await services.stats.briefing(week, areas)
    with using_locale(language):
        view = StatsView(briefing.report, frozenset())
        features = [line for provider in FEATURE_SECTIONS for line in await provider(context, view)]
        text = briefing_text(context, briefing, areas, features)
        texts = chart_texts(briefing.charts, services.config.reports)
        caption = html.escape(_("📈 Cases of the week, with the same week a year before."))
    await context.bot.send_message(chat_id, text)
    from bot import stats_charts  # matplotlib, loaded the first time a chart is drawn

    chart = await asyncio.to_thread(lambda: stats_charts.to_png(stats_charts.cases_chart(briefing.charts, texts)))
    await context.bot.send_photo(chat_id, chart, caption=caption)


def briefing_text(context: PinganContext, briefing: Briefing, areas: Areas, features: Sequence[str] = ()) -> str:
    """The briefing's text (HTML), in the current locale; `features` are the lines of the features'
    own figures (mediation with both parties, scam checks)."""
    report = briefing.report
    now, before, year = report.current, report.previous, report.year_before
    cases = now.cases
    where = areas_text(areas)
    lines = [
        _("Reports received: {total} (incidents {incidents}, disputes {disputes})").format(
            total=cases.received, incidents=cases.incidents, disputes=cases.disputes),
        _("Compared: {figures}").format(figures=counted(cases.received, before.cases.received, year.cases.received)),
        _("Accepted within the time limit: {figures}").format(
            figures=shared(now.accepted_on_time, before.accepted_on_time, year.accepted_on_time)),
        _("Resolved within the time limit compared: {figures}").format(
            figures=shared(now.on_time, before.on_time, year.on_time)),
        _("Mediation success rate compared: {figures}").format(
            figures=shared(now.mediation_success, before.mediation_success, year.mediation_success)),
        _("Satisfaction compared: {figures}").format(
            figures=shared(now.satisfaction, before.satisfaction, year.satisfaction)),
        *features,
        _("Open now: {open} · overdue: {overdue}").format(open=report.open_now.open, overdue=report.open_now.overdue),
        "",
    ]
    if briefing.overdue_total:
        lines.append(ngettext("Overdue now: {count} case", "Overdue now: {count} cases",
                              briefing.overdue_total).format(count=briefing.overdue_total))
        lines += [_case_line(context, case) for case in briefing.overdue]
        if briefing.overdue_total > len(briefing.overdue):
            lines.append(_("… and {count} more: /find status:open overdue:yes").format(
                count=briefing.overdue_total - len(briefing.overdue)))
    else:
        lines.append(_("No case is overdue."))
    lines.append("")
    if briefing.not_solved:
        lines.append(ngettext("The follow-up visit said “not solved”: {count} case",
                              "The follow-up visit said “not solved”: {count} cases",
                              len(briefing.not_solved)).format(count=len(briefing.not_solved)))
        lines += [_case_line(context, case) for case in briefing.not_solved]
    else:
        lines.append(_("No follow-up visit this week said “not solved”."))
    lines += ["", _("Other periods and areas: /stats · every case: /export")]
    title = _("📊 Weekly briefing: last week")
    heading = [f"<b>{html.escape(title)}</b>",
               html.escape(f"{span(report.period)} · {where}")]
    return "\n".join([*heading, "", *(html.escape(line) for line in lines)])


def _case_line(context: PinganContext, case: CaseLine) -> str:
    """`PA-2026-000123 · Theft · Officer Li`, and when a limit ran out, its time."""
    category = category_label(context.services.config.reports, case.kind, case.category)
    owner = case.owner_name or _("nobody yet")
    line = _("{ref} · {category} · owner: {owner}").format(ref=case.ref, category=category, owner=owner)
    if case.due_at is not None:
        line += " · " + _("due {time}").format(time=moment_words(context, case.due_at))
    return line
