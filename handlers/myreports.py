"""/myreports: a person's own cases, each with what they themselves wrote (for a case they joined,
never the first reporter's words) and its timeline (what happened, never who), and the way into
adding information while a case is open (handlers/addition.py)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.services.errors import NotAllowed
from handlers import addition
from handlers.guards import edit_pressed, pressed_in_own_private_chat
from handlers.moments import moment_words
from handlers.report_labels import KIND_NAMES, category_label, shorten, status_label
from handlers.report_prompts import in_progress_offer
from handlers.withdraw import withdraw_button
from storage.models import CLOSED_STATUSES, AuditEntry, Case, CaseStatus

#: The timeline entries a reporter sees (bot/services/reports.py chooses which), as they read them.
TIMELINE_TEXTS = {
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
    "case.withdrawn": N_("You withdrew it"),
}
#: A case finished with an outcome that did not solve it, as its reporter reads its status and the
#: timeline's step: never "resolved".
UNRESOLVED_STATUS = {
    "referred": N_("passed on to the office responsible"),
    "not_police": N_("not a matter for the police"),
    "mediation_failed": N_("mediation ended without an agreement"),
}
UNRESOLVED_STEPS = {
    "referred": N_("Passed on to the office responsible"),
    "not_police": N_("Closed: not a matter for the police"),
    "mediation_failed": N_("Mediation ended without an agreement"),
}


def reporter_status(case: Case) -> str:
    """The case's status as its reporter reads it."""
    if case.status == CaseStatus.RESOLVED and case.outcome in UNRESOLVED_STATUS:
        return UNRESOLVED_STATUS[case.outcome].translated()
    return status_label(case.status)


def timeline_step(entry: AuditEntry) -> str:
    """A timeline step as its reporter reads it."""
    if entry.action == "case.resolved" and entry.detail.get("outcome") in UNRESOLVED_STEPS:
        return UNRESOLVED_STEPS[entry.detail["outcome"]].translated()
    return TIMELINE_TEXTS[entry.action].translated()


class MyReportsButton(CallbackData, prefix="my"):
    """/myreports: show one case, add information to it, or back to the list."""

    action: str
    case_id: int = 0


def _button(text: str, action: str, case_id: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=MyReportsButton(action, case_id).pack())


async def my_reports(update: Update, context: PinganContext) -> None:
    """Lists the person's reports, newest first, each a button to its details."""
    text, markup = await _listing(context, update.effective_user.id)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def _listing(context: PinganContext, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    cases = await context.services.reports.cases_of(user_id)
    in_progress = await in_progress_offer(context, user_id)  # a report not sent yet, with Continue
    head, first_rows = ([in_progress[0], ""], [[in_progress[1]]]) if in_progress else ([], [])
    if not cases:
        text = "\n".join([*head, html.escape(_("You have not sent any reports yet. Send /report to make one."))])
        return text, InlineKeyboardMarkup(first_rows) if first_rows else None
    settings = context.services.config.reports
    rows = [[_button(f"{case.ref} · {category_label(settings, case.kind, case.category)} · "
                     f"{reporter_status(case)}", "show", case.id)] for case in cases]
    return ("\n".join([*head, html.escape(_("Your reports (newest first). Tap one to see it or to add information:"))]),
            InlineKeyboardMarkup([*first_rows, *rows]))


async def on_button(update: Update, context: PinganContext) -> None:
    """A case of the list, Add information, or back to the list. Only one's own cases open."""
    query = update.callback_query
    pressed = MyReportsButton.parse(query.data)
    user_id = update.effective_user.id
    if pressed is None or pressed.action not in ("show", "add", "list") or not pressed_in_own_private_chat(query):
        await query.answer(_("This button has expired. Please send /myreports again."), show_alert=True)
        return
    if pressed.action == "list":
        text, markup = await _listing(context, user_id)
        await edit_pressed(query, text, reply_markup=markup)
        await query.answer()
        return
    try:
        case = await context.services.reports.case_for_reporter(pressed.case_id, user_id)
    except NotAllowed:
        await query.answer(_("Sorry, you can only see your own reports."), show_alert=True)
        return
    if pressed.action == "add":
        await addition.begin(context, user_id, case)
    else:
        may_withdraw = await context.services.withdrawals.may_withdraw(case, user_id)
        await edit_pressed(query, await _details(context, case, user_id),
                           reply_markup=_details_markup(case, may_withdraw=may_withdraw))
    await query.answer()


async def _details(context: PinganContext, case: Case, user_id: int) -> str:
    """The case as this reporter sees it (HTML, stored texts escaped): status, what they wrote,
    result, timeline."""
    settings = context.services.config.reports
    lines = [
        f"{KIND_NAMES[case.kind].translated()} · {category_label(settings, case.kind, case.category)}",
        _("Status: {status}").format(status=reporter_status(case)),
    ]
    own_words = await context.services.reports.own_words(case.id, user_id)  # never another reporter's
    if own_words:
        lines += ["", shorten(own_words, 500)]
    if case.outcome_note and case.status in CLOSED_STATUSES:
        lines += ["", _("Result: {note}").format(note=case.outcome_note)]
    if case.duplicate_of is not None:
        original = await context.services.cases.case(case.duplicate_of)
        lines += ["", _("This is the same as report {ref}, which is being handled: you hear its news.").format(
            ref=original.ref)]
    lines += ["", _("Timeline:")]
    for entry in await context.services.reports.reporter_timeline(case.id, user_id):
        lines.append(f"• {moment_words(context, entry.at)} — {timeline_step(entry)}")
    return "\n".join([f"<b>{html.escape(case.ref)}</b>", *(html.escape(line) for line in lines)])


def _details_markup(case: Case, *, may_withdraw: bool) -> InlineKeyboardMarkup:
    rows = []
    if case.status not in CLOSED_STATUSES:
        rows.append([_button(_("➕ Add information"), "add", case.id)])
    if may_withdraw:
        rows.append([withdraw_button(case.id)])
    rows.append([_button(_("« All my reports"), "list")])
    return InlineKeyboardMarkup(rows)
