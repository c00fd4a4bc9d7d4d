"""/myreports: a person's own cases, their timeline, and adding information while open."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot import callbacks
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.services.errors import NotAllowed
from bot.services.reports import CLOSED_STATUSES
from handlers.report import send_step
from handlers.report_prompts import KIND_NAMES, category_label, shorten, status_label

FAMILY = "my"
_TIMELINE_TEXTS = {
    "case.reported": N_("Report received"),
    "case.emergency_opened": N_("Urgent report received: the duty officers were alerted"),
    "case.report_unfinished": N_("You stopped before finishing; what you had told us was kept"),
    "case.joined": N_("Your information was added to this report"),
    "case.info_added": N_("You added information"),
    "case.reporter_answered": N_("You answered a question"),
    "case.accepted": N_("Accepted by the community police"),
    "case.assigned": N_("Someone is now handling it"),
    "case.resolved": N_("Resolved"),
    "case.rejected": N_("Not taken up"),
    "case.reopened": N_("Reopened"),
}


async def my_reports(update: Update, context: PinganContext) -> None:
    """Lists the person's reports, newest first, each a button to its details."""
    content = await _list_content(context, update.effective_user.id)
    await update.effective_message.reply_text(**content)


async def _list_content(context: PinganContext, user_id: int) -> dict:
    cases = await context.services.reports.cases_of(user_id)
    if not cases:
        return {"text": _("You have not sent any reports yet. Send /report to make one.")}
    settings = context.services.config.reports
    rows = [[InlineKeyboardButton(
        f"{case.ref} · {category_label(settings, case.kind, case.category)} · {status_label(case.status)}",
        callback_data=callbacks.pack(FAMILY, "show", case.id),
    )] for case in cases]
    return {"text": _("Your reports (newest first). Tap one to see it or to add information:"),
            "reply_markup": InlineKeyboardMarkup(rows)}


async def on_button(update: Update, context: PinganContext) -> None:
    query = update.callback_query
    pressed = callbacks.parse(query.data, FAMILY)
    user_id = update.effective_user.id
    if pressed is None or pressed.action not in ("show", "add", "list") or (
            pressed.action != "list" and not (pressed.args and pressed.args[0].isdigit())):
        await query.answer(_("This button has expired. Please send /myreports again."), show_alert=True)
        return
    if pressed.action == "list":
        await query.edit_message_text(**await _list_content(context, user_id))
        await query.answer()
        return
    reports = context.services.reports
    try:
        case = await reports.case_for_reporter(int(pressed.args[0]), user_id)
    except NotAllowed:
        await query.answer(_("Sorry, you can only see your own reports."), show_alert=True)
        return
    if pressed.action == "add":
        await _start_adding(update, context, case)
        await query.answer()
        return
    timeline = await reports.reporter_timeline(case.id, user_id)
    tz = context.services.config.tzinfo
    settings = context.services.config.reports
    lines = [
        f"<b>{case.ref}</b>",
        f"{html.escape(KIND_NAMES[case.kind].translated())} · "
        f"{html.escape(category_label(settings, case.kind, case.category))}",
        _("Status: {status}").format(status=html.escape(status_label(case.status))),
    ]
    if case.description:
        lines += ["", html.escape(shorten(case.description, 500))]
    if case.outcome_note and case.status in CLOSED_STATUSES:
        lines += ["", _("Result: {note}").format(note=html.escape(case.outcome_note))]
    lines += ["", _("Timeline:")]
    for entry in timeline:
        when = entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        lines.append(f"• {when} — {html.escape(_TIMELINE_TEXTS[entry.action].translated())}")
    rows = []
    if case.status not in CLOSED_STATUSES:
        add = callbacks.pack(FAMILY, "add", case.id)
        rows.append([InlineKeyboardButton(_("➕ Add information"), callback_data=add)])
    rows.append([InlineKeyboardButton(_("« All my reports"), callback_data=callbacks.pack(FAMILY, "list"))])
    await query.edit_message_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows), parse_mode=ParseMode.HTML)
    await query.answer()


async def _start_adding(update: Update, context: PinganContext, case) -> None:
    intake = context.services.intake
    user_id = update.effective_user.id
    existing = await intake.draft(user_id)
    if existing is not None and existing.dialogue == "report":
        await context.bot.send_message(user_id, _("Please finish or cancel the report you are writing first "
                                                  "(send /cancel to cancel it)."))
        return
    if case.status in CLOSED_STATUSES:
        await context.bot.send_message(user_id, _("This report is closed, so information can no longer be added."))
        return
    draft = await intake.start_addition(user_id, case.id)
    await send_step(context, user_id, draft, note=_("Adding to {ref}.").format(ref=case.ref))
