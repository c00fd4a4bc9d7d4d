"""/audit (supervisors and admins, in private): the audit trail, filtered and paged, with a CSV
download. The listing is bot/services/audit_trail.py's; its buttons carry only the stored view."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.audit_trail import AuditPage, AuditQueryProblem
from bot.services.errors import NotAllowed
from handlers.guards import pressed_in_own_private_chat
from handlers.notify import person_name
from storage.models import AuditEntry


class AuditButton(CallbackData, prefix="audit"):
    """`page` (from 0) of the stored listing `view_id`, or its `csv`."""

    action: str
    view_id: int
    page: int = 0


def _usage() -> str:
    return _("Send /audit alone for the latest entries, or with filters, for example:\n"
             "/audit case:PA-2026-000001\n/audit person:123456789 since:2026-11-01\n"
             "/audit action:alert.closed\n/audit action:schedule. until:2026-11-30\n\n"
             "Filters: case:<reference>, person:<user id>, action:<action> (or its start, ending in a dot), "
             "since:<date>, until:<date> (dates as YYYY-MM-DD).")


async def audit_command(update: Update, context: PinganContext) -> None:
    """/audit [filters]: the first page of matching entries."""
    message = update.effective_message
    trail = context.services.audit_trail
    words = (message.text or "").split(maxsplit=1)
    try:
        wanted = await trail.parse(words[1] if len(words) > 1 else "")
        page = await trail.open_view(update.effective_user.id, wanted)
    except NotAllowed:
        await message.reply_text(html.escape(_("Sorry, only supervisors and admins can read the audit trail.")))
        return
    except AuditQueryProblem as problem:
        await message.reply_text(html.escape(_("I could not read “{given}”.").format(given=problem.given)
                                             + "\n\n" + _usage()))
        return
    text, markup = await _render(context, page)
    await message.reply_text(text, reply_markup=markup)


async def on_button(update: Update, context: PinganContext) -> None:
    """Previous / Next pages, and the CSV file, for the one who opened the listing."""
    query = update.callback_query
    pressed = AuditButton.parse(query.data) if pressed_in_own_private_chat(query) else None
    if pressed is None or pressed.action not in ("page", "csv"):
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    try:
        found = await (_send_csv(context, pressed, update.effective_user.id) if pressed.action == "csv"
                       else _show_page(context, query, pressed, update.effective_user.id))
    except NotAllowed:
        await query.answer(_("Sorry, only supervisors and admins can read the audit trail."), show_alert=True)
        return
    if not found:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    await query.answer()


async def _send_csv(context: PinganContext, pressed: AuditButton, user_id: int) -> bool:
    """The listing as a CSV file, privately; False if the listing is not this person's."""
    data = await context.services.audit_trail.csv(pressed.view_id, user_id)
    if data is None:
        return False
    await context.bot.send_document(user_id, InputFile(data, filename=f"pingan-audit-{pressed.view_id}.csv"))
    return True


async def _show_page(context: PinganContext, query, pressed: AuditButton, user_id: int) -> bool:
    page = await context.services.audit_trail.page(pressed.view_id, user_id, pressed.page)
    if page is None:
        return False
    text, markup = await _render(context, page)
    await query.edit_message_text(text, reply_markup=markup)
    return True


async def _render(context: PinganContext, page: AuditPage) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.total:
        return html.escape(_("No audit entries match.")), None
    heading = ngettext("Audit trail: {count} entry · page {page} of {pages}",
                       "Audit trail: {count} entries · page {page} of {pages}", page.total).format(
        count=page.total, page=page.page + 1, pages=page.pages)
    lines = [f"<b>{html.escape(heading)}</b>"]
    for entry in page.entries:
        lines.append(html.escape(await _entry_line(context, page, entry)))
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton(_("« Previous"), callback_data=AuditButton("page", page.view_id,
                                                                                   page.page - 1).pack()))
    if page.page + 1 < page.pages:
        nav.append(InlineKeyboardButton(_("Next »"), callback_data=AuditButton("page", page.view_id,
                                                                               page.page + 1).pack()))
    rows = [nav] if nav else []
    rows.append([InlineKeyboardButton(_("⬇ Download as CSV"), callback_data=AuditButton("csv", page.view_id).pack())])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _entry_line(context: PinganContext, page: AuditPage, entry: AuditEntry) -> str:
    """One entry, plain: when · what · who · on what, and its scalar details."""
    when = entry.at.astimezone(context.services.config.tzinfo).strftime("%Y-%m-%d %H:%M")
    who = (_("the system") if entry.actor_id is None
           else f"{await person_name(context, entry.actor_id)} ({entry.actor_id})")
    subject = ""
    if entry.subject_type == "case":
        subject = page.case_refs.get(entry.subject_id or "", entry.subject_id or "")
    elif entry.subject_type:
        subject = f"{entry.subject_type} {entry.subject_id}"
    # Nested details (a joining reporter's answers) stay out of the listing; the CSV has them.
    detail = ", ".join(f"{key}={value}" for key, value in sorted(entry.detail.items())
                       if isinstance(value, str | int | float | bool) or value is None)
    return " · ".join(filter(None, [when, entry.action, who, subject, detail]))
