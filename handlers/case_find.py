"""/find: staff search for cases by words in what residents wrote, and by filters; results paged.
The search is bot/services/case_search.py's; each row opens its card with /case_PA_….
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.callbacks import CallbackData, stable_key
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.roles import is_staff
from bot.services.case_search import QueryProblem, SearchPage, parse_query
from bot.services.errors import NotAllowed
from handlers import case_card
from handlers.group_panel import area_choices
from handlers.moments import moment_words
from handlers.report_labels import category_label, status_label
from storage.models import Case, GroupKind


class FindButton(CallbackData, prefix="find"):
    """`page`: a page of a search that was run (`search_id` is its stored query; `page` from 0);
    `preset`: one of the searches offered as buttons under /find (`key`: a PRESETS key, or `area`
    with the area's stable key in `value`)."""

    action: str
    search_id: int = 0
    page: int = 0
    key: str = ""
    value: str = ""


#: The searches /find offers as buttons, for those who would rather tap than type filters.
PRESETS = {"open": "status:open", "overdue": "status:open overdue:yes", "mine": "owner:me status:open"}
MAX_AREA_BUTTONS = 8


def _usage() -> str:
    return _("Send /find with words from the report and, if you like, filters, for example:\n"
             "/find 电瓶 area:幸福小区 status:open since:2026-11-01\n\n"
             "Filters: area:<name>, category:<name>, kind:incident or dispute, grade:red/orange/yellow/green, "
             "status:open, closed or a status, owner:me or a user id, since:<date>, until:<date> "
             "(dates as YYYY-MM-DD).")


async def find_command(update: Update, context: PinganContext) -> None:
    """/find <words and filters>: the first page of matching cases."""
    message = update.effective_message
    if not is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can search cases.")))
        return
    if not await _may_show_here(update, context):
        await message.reply_text(html.escape(_("Please search in a private chat with me or in the staff chat.")))
        return
    text = (message.text or "").split(maxsplit=1)
    query_text = text[1].strip() if len(text) > 1 else ""
    if not query_text:
        await message.reply_text(html.escape(_usage()), reply_markup=await _preset_buttons(context))
        return
    search_id = await context.services.search.save(update.effective_user.id, query_text)
    await message.reply_text(**await _results(context, update.effective_user.id, search_id, query_text, 0))


async def on_button(update: Update, context: PinganContext) -> None:
    """Next / Previous page of a search (only for the one who ran it; roles re-checked)."""
    query = update.callback_query
    pressed = FindButton.parse(query.data)
    user_id = update.effective_user.id
    if pressed is not None and pressed.action == "preset" and is_staff(context.roles):
        await _run_preset(update, context, pressed)
        return
    saved = await context.services.search.saved(pressed.search_id, user_id) if pressed is not None else None
    # A page of results only ever replaces a page of results: in the searcher's private chat or a
    # staff chat, never a residents' group message the press was forged onto.
    shown_here = query.message is not None and await case_card.shows_cards(context, query.message.chat)
    if pressed is None or pressed.action != "page" or saved is None or not shown_here:
        await query.answer(_("This button has expired. Please send /find again."), show_alert=True)
        return
    if not is_staff(context.roles):
        await query.answer(_("Sorry, only staff can search cases."), show_alert=True)
        return
    await query.edit_message_text(**await _results(context, user_id, pressed.search_id, saved, pressed.page))
    await query.answer()  # after the edit: the spinner stops as the page shows


async def _preset_buttons(context: PinganContext) -> InlineKeyboardMarkup:
    labels = {"open": _("Open cases"), "overdue": _("Overdue"), "mine": _("Mine, open")}
    rows = [[InlineKeyboardButton(labels[key], callback_data=FindButton("preset", key=key).pack())
             for key in PRESETS]]
    areas = [InlineKeyboardButton(_("📍 {area}: open").format(area=area),
                                  callback_data=FindButton("preset", key="area", value=stable_key(area)).pack())
             for area in await area_choices(context, MAX_AREA_BUTTONS)]
    rows += [areas[i:i + 2] for i in range(0, len(areas), 2)]
    return InlineKeyboardMarkup(rows)


async def _run_preset(update: Update, context: PinganContext, pressed: FindButton) -> None:
    """A preset's search, run and stored like a typed one, as a new message (the buttons stay)."""
    query = update.callback_query
    if pressed.key == "area":
        area = next((a for a in await area_choices(context, MAX_AREA_BUTTONS) if stable_key(a) == pressed.value), None)
        query_text = f"area:{area} status:open" if area and " " not in area else None
    else:
        query_text = PRESETS.get(pressed.key)
    if query_text is None:
        await query.answer(_("This button has expired. Please send /find again."), show_alert=True)
        return
    await query.answer()
    user_id = update.effective_user.id
    search_id = await context.services.search.save(user_id, query_text)
    await context.bot.send_message(update.effective_chat.id,
                                   **await _results(context, user_id, search_id, query_text, 0))


async def _may_show_here(update: Update, context: PinganContext) -> bool:
    """Private chats and staff groups only: results name residents' reports."""
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE or chat.id in context.services.config.staff_chat_ids:
        return True
    group = await context.services.groups.by_chat_id(chat.id)
    return group is not None and group.kind is GroupKind.STAFF


async def _results(context: PinganContext, user_id: int, search_id: int, query_text: str, page: int) -> dict:
    try:
        found = await context.services.search.find(user_id, context.roles, parse_query(query_text), page)
    except QueryProblem as problem:
        return {"text": html.escape(_("I could not read “{given}”.").format(given=problem.given[:60]) + "\n\n" +
                                    _usage())}
    except NotAllowed:
        return {"text": html.escape(_("Sorry, only staff can search cases."))}
    return {"text": _page_text(context, query_text, found), "reply_markup": _page_buttons(search_id, found)}


def _page_text(context: PinganContext, query_text: str, found: SearchPage) -> str:
    if found.total == 0:
        return html.escape(_("No case matches “{query}”.").format(query=query_text[:100]))
    heading = ngettext("{count} case matches “{query}”", "{count} cases match “{query}”", found.total).format(
        count=found.total, query=query_text[:100])
    if found.pages > 1:
        heading += " " + _("(page {page} of {pages})").format(page=found.page + 1, pages=found.pages)
    rows = [_row(context, case) for case in found.cases]
    return "\n".join([html.escape(heading + _(": ").rstrip()), "", *rows])  # full-width in Chinese


def _row(context: PinganContext, case: Case) -> str:
    settings = context.services.config.reports
    day = moment_words(context, case.created_at)
    icon = case_card.GRADE_ICONS.get(case.grade or "", "⚪")
    row = _("{icon} /case_{ref} · {category} · {area} · {status} · {day}").format(
        icon=icon, ref=case.ref.replace("-", "_"), category=category_label(settings, case.kind, case.category),
        area=case.area or _("no area"), status=status_label(case.status), day=day)
    return html.escape(row)


def _page_buttons(search_id: int, found: SearchPage) -> InlineKeyboardMarkup | None:
    buttons = []
    if found.page > 0:
        buttons.append(InlineKeyboardButton(_("« Previous"), callback_data=FindButton("page", search_id,
                                                                                      found.page - 1).pack()))
    if found.page + 1 < found.pages:
        buttons.append(InlineKeyboardButton(_("Next »"), callback_data=FindButton("page", search_id,
                                                                                  found.page + 1).pack()))
    return InlineKeyboardMarkup([buttons]) if buttons else None
