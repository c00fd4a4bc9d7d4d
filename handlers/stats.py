"""/stats for staff, and the weekly briefing to the staff chat: reports received, disputes mediated,
time limits met, follow-up satisfaction — for this week, month or year, in all areas or one's own."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext, using_locale
from bot.roles import is_staff
from bot.services.stats import PERIODS, Figures
from handlers.labels import PERIOD_LABELS, label
from handlers.report_prompts import category_label

logger = logging.getLogger(__name__)

#: What `/stats month` and the like accept, in either language.
PERIOD_WORDS = {"week": "week", "w": "week", "周": "week", "本周": "week",
                "month": "month", "m": "month", "月": "month", "本月": "month",
                "year": "year", "y": "year", "年": "year", "今年": "year"}
ALL_AREAS, MY_AREA = "all", "mine"


class StatsButton(CallbackData, prefix="st"):
    """A period (week, month, year) and an area scope (all, mine) to show."""

    action: str
    period: str
    scope: str


async def stats_command(update: Update, context: PinganContext) -> None:
    """/stats [week|month|year]: the figures, with buttons for the period and the area."""
    message = update.effective_message
    if not is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can see the figures.")))
        return
    if not _may_show_here(update, context):
        await message.reply_text(html.escape(_("Figures are shown in a private chat with me or in the staff chat.")))
        return
    word = (context.args[0].lower() if context.args else "week")
    period = PERIOD_WORDS.get(word)
    if period is None:
        await message.reply_text(html.escape(_("Please choose a period: /stats week, /stats month or /stats year.")))
        return
    await message.reply_text(**await _content(context, update.effective_user.id, period, ALL_AREAS))


async def stats_pressed(update: Update, context: PinganContext) -> None:
    """A period or area button: the same message, redrawn."""
    query = update.callback_query
    pressed = StatsButton.parse(query.data)
    if (pressed is None or pressed.action != "show" or pressed.period not in PERIODS
            or pressed.scope not in (ALL_AREAS, MY_AREA)):
        await query.answer(_("This button has expired. Please send /stats again."), show_alert=True)
        return
    if not is_staff(context.roles):  # the button identifies; it does not authorise
        await query.answer(_("Sorry, only staff can see the figures."), show_alert=True)
        return
    try:
        await query.edit_message_text(**await _content(context, update.effective_user.id, pressed.period,
                                                       pressed.scope))
    except TelegramError as exc:  # "message is not modified" when the same button is pressed twice
        logger.debug("stats not redrawn: %s", exc)
    await query.answer()


def _may_show_here(update: Update, context: PinganContext) -> bool:
    chat = update.effective_chat
    return chat.type == ChatType.PRIVATE or chat.id in context.services.config.staff_chat_ids


async def _content(context: PinganContext, user_id: int, period: str, scope: str) -> dict:
    own_area = await context.services.people.area_of(user_id)
    area = own_area if scope == MY_AREA else None
    figures = await context.services.stats.figures(period, area)
    title = _("📊 Figures: {period}").format(period=label(PERIOD_LABELS, period).lower())
    period_buttons = [
        InlineKeyboardButton(("• " if key == period else "") + label(PERIOD_LABELS, key),
                             callback_data=StatsButton("show", key, scope).pack())
        for key in PERIODS
    ]
    rows = [period_buttons]
    if own_area:
        other = ALL_AREAS if scope == MY_AREA else MY_AREA
        scope_name = _("All areas") if other == ALL_AREAS else _("My area: {area}").format(area=own_area)
        rows.append([InlineKeyboardButton(scope_name, callback_data=StatsButton("show", period, other).pack())])
    return {"text": figures_text(context, figures, title), "reply_markup": InlineKeyboardMarkup(rows)}


def figures_text(context: PinganContext, figures: Figures, title: str) -> str:
    """The figures as one message (HTML), in the current locale."""
    cases, followups, period = figures.cases, figures.followups, figures.period
    settings = context.services.config.reports
    span = f"{period.first_day:%Y-%m-%d} – {period.last_day:%Y-%m-%d}"
    where = figures.area or _("all areas")
    lines = [_("Reports received: {total} (incidents {incidents}, disputes {disputes})").format(
        total=cases.received, incidents=cases.incidents, disputes=cases.disputes)]
    lines.append(_("The period before (same length): {count}").format(count=figures.previous_received))
    if cases.urgent:
        lines.append(_("Reported as happening now: {count}").format(count=cases.urgent))
    if figures.top_categories:
        top = " · ".join(f"{category_label(settings, kind, category)} {count}"
                         for kind, category, count in figures.top_categories)
        lines.append(_("Most reported: {list}").format(list=top))
    lines += ["", _("Disputes screened: {screened} · settled by mediation: {mediated} ({rate}) · "
                    "mediation failed: {failed}").format(
        screened=cases.disputes, mediated=cases.mediated, rate=_percent(figures.mediation_success),
        failed=cases.mediation_failed)]
    lines.append(_("Resolved: {resolved}, within the time limit: {on_time} ({rate}) · rejected: {rejected} · "
                   "still open: {open}").format(
        resolved=cases.resolved, on_time=cases.resolved_on_time, rate=_percent(figures.on_time),
        rejected=cases.rejected, open=cases.still_open))
    if cases.withdrawn:
        lines.append(ngettext("Withdrawn by the reporter: {count}", "Withdrawn by the reporter: {count}",
                              cases.withdrawn).format(count=cases.withdrawn))
    lines += ["", _("Follow-up visits: {asked} asked · {answered} answered · solved: {solved} · "
                    "no answer: {silent}").format(
        asked=followups.asked, answered=followups.answered, solved=followups.solved, silent=followups.no_response)]
    if followups.rated:
        satisfaction = _("Satisfaction: {rate} gave 4 or 5 stars · average {average} stars · rated by {count}")
        lines.append(satisfaction.format(rate=_percent(figures.satisfaction), average=f"{followups.average_stars:.1f}",
                                         count=followups.rated))
    lines += ["", _("Open now: {open} · overdue: {overdue}").format(open=figures.open_now.open,
                                                                  overdue=figures.open_now.overdue)]
    if figures.supervised:
        lines.append(ngettext("Supervised (new deadline set): {count} case",
                              "Supervised (new deadline set): {count} cases", figures.supervised).format(
            count=figures.supervised))
    heading = [f"<b>{html.escape(title)}</b>", html.escape(f"{span} · {where}"), ""]
    return "\n".join(heading + [html.escape(line) for line in lines])


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


# --- the weekly briefing ---------------------------------------------------------------------

async def send_briefing_if_due(context: PinganContext) -> None:
    """Job: last week's figures to the staff chat, once per scheduled time."""
    services = context.services
    staff_chat = services.config.staff_chat_id
    if staff_chat is None:
        return
    figures = await services.stats.briefing_due()
    if figures is None:
        return
    with using_locale(services.config.default_language):
        text = figures_text(context, figures, _("📊 Weekly briefing: last week"))
        text += "\n\n" + html.escape(_("Other periods: /stats"))
    try:
        await context.bot.send_message(staff_chat, text)
    except TelegramError:
        # Claimed before sending (at most once); the figures stay one /stats away.
        logger.exception("the weekly briefing could not be posted to the staff chat")
