"""/cases (my open cases, the overdue ones, all open by grade; each section paged through /find's
pages) and /case <reference> (the card; in private also the full report)."""

from __future__ import annotations

import html
import re

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.roles import is_staff
from bot.services.case_search import parse_query
from bot.services.errors import NotAllowed
from handlers import case_card, case_full_report
from handlers.case_find import FindButton
from handlers.case_labels import grade_text
from handlers.report_labels import status_label
from storage.models import Case

CASE_REF = re.compile(r"(?i)PA-\d{4}-\d{6}")
SHOWN_PER_SECTION = 15


#: Each section of /cases as the search that lists all of it (paged, from its "all" button).
SECTION_QUERIES = ("owner:me status:open", "status:open overdue:yes", "status:open")


async def list_cases(update: Update, context: PinganContext) -> None:
    """/cases: my open cases, the overdue ones, and all open cases by grade — the first of each,
    with how many there are in all and a button to page through the rest."""
    actor = update.effective_user.id
    workflow = context.services.cases
    try:
        mine = await workflow.my_open_cases(actor)
    except NotAllowed:
        await update.effective_message.reply_text(html.escape(_("Sorry, only staff can see cases.")))
        return
    overdue = await workflow.overdue_cases(actor)
    everything = await workflow.open_cases(actor)
    search = context.services.search
    totals = [await search.count(actor, context.roles, parse_query(q)) for q in SECTION_QUERIES]
    titles = [
        ngettext("My open cases ({count}):", "My open cases ({count}):", totals[0]),
        ngettext("Overdue ({count}):", "Overdue ({count}):", totals[1]),
        ngettext("All open cases, by grade ({count}):", "All open cases, by grade ({count}):", totals[2]),
    ]
    more = [_("My open cases: all {count} »"), _("Overdue: all {count} »"), _("All open cases: all {count} »")]
    lines, buttons = [], []
    for title, cases, total, query, label in zip(titles, (mine, overdue, everything), totals, SECTION_QUERIES, more,
                                                 strict=True):
        rows = [_case_line(c) for c in cases[:SHOWN_PER_SECTION]] or ["—"]
        lines += [title.format(count=total), *rows, ""]
        if total > SHOWN_PER_SECTION:
            search_id = await search.save(actor, query)
            buttons.append([InlineKeyboardButton(label.format(count=total),
                                                 callback_data=FindButton("page", search_id, 0).pack())])
    await update.effective_message.reply_text(html.escape("\n".join(lines).strip()),
                                              reply_markup=InlineKeyboardMarkup(buttons) if buttons else None)


def _case_line(case: Case) -> str:
    grade = grade_text(case.grade) if case.grade else "⚪"
    return f"{grade} /case_{case.ref.replace('-', '_')} · {status_label(case.status)}"


async def open_case(update: Update, context: PinganContext) -> None:
    """/case PA-2026-000123 (or /case_PA_2026_000123 from the list): the card, here; in private
    also the full report."""
    message = update.effective_message
    command = (message.text or "").split()[0].split("@")[0]
    ref = (command.removeprefix("/case_").replace("_", "-") if command.startswith("/case_")
           else " ".join(context.args or [])).strip()
    if not CASE_REF.fullmatch(ref):
        if ref:
            text = _("“{text}” is not a case reference. References look like PA-2026-000123: "
                     "/case PA-2026-000123.").format(text=ref[:40])
        else:
            text = _("Please give a reference, for example /case PA-2026-000123.")
        await message.reply_text(html.escape(text))
        return
    if not is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can see cases.")))
        return
    if not await case_card.shows_cards(context, message.chat):
        await message.reply_text(html.escape(_("Case cards are shown only in the staff chat and in a private chat "
                                               "with me, so that residents' details never appear here.")))
        return
    case = await context.services.cases.by_ref(ref)
    if case is None:
        await message.reply_text(html.escape(_("There is no case {ref}.").format(ref=ref.upper())))
        return
    await case_card.send_card(context, message.chat_id, case)
    if message.chat.type == Chat.PRIVATE:  # never everything a resident said in a group
        refused = await case_full_report.send_full_report(context, case.id, update.effective_user.id)
        if refused is not None:
            await message.reply_text(html.escape(refused))
