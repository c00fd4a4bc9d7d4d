"""/stats for staff: the figures of a period (this or last week, month, quarter, year, or a typed
range) for all areas, one area or one's own, each with the period before and the same period a
year before; the charts as photos on request. The sections are handlers/stats_sections.py's."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.callbacks import CallbackData, stable_key
from bot.context import PinganContext
from bot.i18n import _
from bot.roles import CASE_MANAGER_ROLES, is_staff
from bot.services.stats import StatsReport
from bot.services.stats_periods import PERIOD_KINDS, Period, RangeProblem
from handlers.group_panel import area_choices
from handlers.message_text import MESSAGE_LIMIT, utf16_len
from handlers.stats_labels import PERIOD_BUTTONS, PERIOD_WORDS, areas_text, chart_texts, period_name, span
from handlers.stats_sections import StatsView, section_lines
from storage.stats import Areas

logger = logging.getLogger(__name__)

ALL_AREAS, MY_AREA = "all", "mine"
#: Areas per page of the area picker.
AREAS_PER_PAGE = 8


class StatsButton(CallbackData, prefix="st"):
    """`show` a period (PERIOD_KINDS key or a range token) for a scope (all, mine, or `a` + an
    area's stable key); `areas`: the area picker's page; `charts`: send the charts."""

    action: str
    period: str
    scope: str
    page: int = 0


async def stats_command(update: Update, context: PinganContext) -> None:
    """/stats [period or range]: the figures, with buttons for the period, the area and the charts."""
    message = update.effective_message
    if not is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can see the figures.")))
        return
    if not may_show_here(update, context):
        await message.reply_text(html.escape(_("Figures are shown in a private chat with me or in the staff chat.")))
        return
    try:
        period = parse_period(context, " ".join(context.args or []))
    except RangeProblem as problem:
        await message.reply_text(html.escape(range_problem_text(problem)))
        return
    scope = await default_scope(context, update.effective_user.id)
    await message.reply_text(**await _content(context, update.effective_user.id, period, scope))


def parse_period(context: PinganContext, typed: str) -> Period:
    """A period word in either language, or a typed range; RangeProblem otherwise."""
    words = " ".join(typed.lower().split()) or "week"
    stats = context.services.stats
    if words in PERIOD_WORDS:
        return stats.period(PERIOD_WORDS[words])
    return stats.periods.parse_range(words)


def range_problem_text(problem: RangeProblem, command: str = "/stats") -> str:
    """What to say about a period that cannot be counted, with an example for `command`."""
    if problem.reason == "order":
        return _("That range ends before it begins. Please give the first day first, like "
                 "{command} 2026-10-01..2026-10-31.").format(command=command)
    if problem.reason == "length":
        return _("Please choose a range of at most three years.")
    return _("Please choose a period: {command} week, last week, month, last month, quarter, last quarter, year, "
             "last year, or a range of days like {command} 2026-10-01..2026-10-31.").format(command=command)


async def default_scope(context: PinganContext, user_id: int) -> str:
    """Supervisors and admins start with all areas; others with their own beat, if they have one."""
    if is_manager(context):
        return ALL_AREAS
    return MY_AREA if await context.services.people.area_of(user_id) else ALL_AREAS


async def stats_pressed(update: Update, context: PinganContext) -> None:
    """A period, area or charts button: re-authorised, then the message redrawn (or charts sent)."""
    query = update.callback_query
    pressed = StatsButton.parse(query.data)
    period = context.services.stats.periods.from_token(pressed.period, context.services.clock.now()) \
        if pressed is not None else None
    if pressed is None or period is None or pressed.action not in ("show", "areas", "charts"):
        await query.answer(_("This button has expired. Please send /stats again."), show_alert=True)
        return
    if not is_staff(context.roles):  # the button identifies; it does not authorise
        await query.answer(_("Sorry, only staff can see the figures."), show_alert=True)
        return
    user_id = update.effective_user.id
    if pressed.action == "areas":
        if not is_manager(context):
            await query.answer(_("Sorry, only supervisors and admins can choose other areas."), show_alert=True)
            return
        await redraw(query, await _area_picker(context, period, pressed.page))
        await query.answer()
        return
    areas = await resolve_scope(context, user_id, pressed.scope)
    if areas is False:
        await query.answer(_("This button has expired. Please send /stats again."), show_alert=True)
        return
    if pressed.action == "charts":
        await query.answer(_("Drawing the charts…"))
        await send_charts(context, update.effective_chat.id, period, areas, areas_text(areas))
        return
    await redraw(query, await _content(context, user_id, period, pressed.scope))
    await query.answer()


async def redraw(query, content: dict) -> None:
    """Edits the pressed message; an unchanged redraw (the same button twice) is no error."""
    try:
        await query.edit_message_text(**content)
    except TelegramError as exc:  # "message is not modified" when the same button is pressed twice
        logger.debug("stats not redrawn: %s", exc)


def is_manager(context: PinganContext) -> bool:
    """Supervisors and admins: any area, the workload, exports."""
    return any(role in CASE_MANAGER_ROLES for role in context.roles)


def may_show_here(update: Update, context: PinganContext) -> bool:
    """Private chats and staff chats only: the figures are internal."""
    chat = update.effective_chat
    return chat.type == ChatType.PRIVATE or chat.id in context.services.config.staff_chat_ids


async def known_areas(context: PinganContext) -> list[str]:
    """Configured compounds, groups' areas, then every area a case was filed under."""
    areas = [*await area_choices(context, limit=10_000), *await context.services.stats.areas()]
    return list(dict.fromkeys(areas))


async def resolve_scope(context: PinganContext, user_id: int, scope: str) -> Areas | bool:
    """The areas a scope names (None: all), or False when it names none this person may see."""
    if scope == ALL_AREAS:
        return None
    if scope == MY_AREA:
        own = await context.services.people.area_of(user_id)
        return (own,) if own else False
    if scope.startswith("a") and is_manager(context):
        found = [area for area in await known_areas(context) if stable_key(area) == scope[1:]]
        return (found[0],) if found else False
    return False



async def _content(context: PinganContext, user_id: int, period: Period, scope: str) -> dict:
    """The figures message with its buttons; a scope no longer valid falls back to all areas."""
    areas = await resolve_scope(context, user_id, scope)
    if areas is False:
        scope, areas = ALL_AREAS, None
    report = await context.services.stats.report(period, areas, with_workload=is_manager(context))
    title = _("📊 Figures: {period}").format(period=period_name(period))
    text = await figures_text(context, report, title, areas_text(areas))
    return {"text": text, "reply_markup": await _buttons(context, user_id, period, scope)}


async def figures_text(context: PinganContext, report: StatsReport, title: str, where: str) -> str:
    """The figures as one message (HTML), in the current locale; cut short with a note if too long."""
    heading = [f"<b>{html.escape(title)}</b>", html.escape(f"{span(report.period)} · {where}"),
               html.escape(_("Compared with the period before ({before}) and a year before ({year}).").format(
                   before=span(report.previous.period), year=span(report.year_before.period)))]
    view = StatsView(report=report, roles=context.roles)
    body = ["\n".join(html.escape(line) for line in lines) for lines in await section_lines(context, view)]
    text = "\n\n".join(["\n".join(heading), *body])
    if utf16_len(text) <= MESSAGE_LIMIT:
        return text
    note = "\n…\n" + html.escape(_("The figures go on: /export has every case of the period."))
    kept = text[:MESSAGE_LIMIT - utf16_len(note) - 200]
    return kept[:kept.rfind("\n")] + note


async def _buttons(context: PinganContext, user_id: int, period: Period, scope: str) -> InlineKeyboardMarkup:
    """Eight periods, the other scopes this person may choose, and the charts."""
    def period_button(key: str) -> InlineKeyboardButton:
        marker = "• " if key == period.key else ""
        return InlineKeyboardButton(marker + PERIOD_BUTTONS[key].translated(),
                                    callback_data=StatsButton("show", key, scope).pack())

    rows = [[period_button(key) for key in PERIOD_KINDS[:4]], [period_button(key) for key in PERIOD_KINDS[4:]]]
    scopes = []
    if scope != ALL_AREAS:
        scopes.append(InlineKeyboardButton(_("All areas"), callback_data=StatsButton("show", period.token,
                                                                                     ALL_AREAS).pack()))
    own = await context.services.people.area_of(user_id)
    if own and scope != MY_AREA:
        scopes.append(InlineKeyboardButton(_("My area: {area}").format(area=own),
                                           callback_data=StatsButton("show", period.token, MY_AREA).pack()))
    if is_manager(context):
        scopes.append(InlineKeyboardButton(_("📍 Choose an area"),
                                           callback_data=StatsButton("areas", period.token, scope).pack()))
    if scopes:
        rows.append(scopes)
    rows.append([InlineKeyboardButton(_("📈 Charts"), callback_data=StatsButton("charts", period.token, scope).pack())])
    return InlineKeyboardMarkup(rows)


async def _area_picker(context: PinganContext, period: Period, page: int) -> dict:
    """/stats' area picker: an area shows its figures for the same period."""
    return await area_picker(
        context, page,
        choose=lambda area: StatsButton("show", period.token, "a" + stable_key(area)).pack(),
        turn=lambda target: StatsButton("areas", period.token, ALL_AREAS, target).pack(),
        everywhere=StatsButton("show", period.token, ALL_AREAS).pack())


async def area_picker(context: PinganContext, page: int, choose: Callable[[str], str], turn: Callable[[int], str],
                      everywhere: str) -> dict:
    """A page of the known areas, two a row, with Previous / Next and All areas; the callables give
    the buttons' data (an area chosen, another page)."""
    areas = await known_areas(context)
    pages = max(1, -(-len(areas) // AREAS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    buttons = [InlineKeyboardButton(area, callback_data=choose(area))
               for area in areas[page * AREAS_PER_PAGE:(page + 1) * AREAS_PER_PAGE]]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    paging = [InlineKeyboardButton(text, callback_data=turn(target))
              for text, target, shown in ((_("◀ Previous"), page - 1, page > 0),
                                          (_("Next ▶"), page + 1, page < pages - 1)) if shown]
    if paging:
        rows.append(paging)
    rows.append([InlineKeyboardButton(_("All areas"), callback_data=everywhere)])
    text = _("Which area? (page {page} of {pages})").format(page=page + 1, pages=pages) if areas else \
        _("No areas are known yet: cases, groups and the configuration name none.")
    return {"text": html.escape(text), "reply_markup": InlineKeyboardMarkup(rows)}


async def render_charts(context: PinganContext, period: Period, areas: Areas) -> list[bytes]:
    """The period's four charts as PNG, drawn off the event loop, labels in the current locale."""
    data = await context.services.stats.chart_data(period, areas)
    texts = chart_texts(data, context.services.config.reports)
    from bot import stats_charts  # matplotlib, loaded the first time a chart is drawn

    return await asyncio.to_thread(stats_charts.render, data, texts)


async def send_charts(context: PinganContext, chat_id: int, period: Period, areas: Areas, where: str) -> None:
    """The charts as one album, the first captioned with the period and the areas."""
    pngs = await render_charts(context, period, areas)
    caption = html.escape(_("📈 Charts: {period} · {where}").format(period=span(period), where=where))
    media = [InputMediaPhoto(png, caption=caption if i == 0 else None) for i, png in enumerate(pngs)]
    await context.bot.send_media_group(chat_id, media)
