"""An edited message that had answered a question of the report (handlers/private.py finds which):
while the report is open, that answer is corrected and the question now asked stays as it is;
once the report is sent, the correction is added to its case and its owner is told. An edit is
never taken as the answer to the question now asked.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.context import PinganContext
from bot.i18n import _
from bot.services.errors import NotAllowed
from bot.services.intake import SUB_STEPS, AdditionState, Problem, State
from bot.services.reports import CaseClosed
from handlers import case_additions
from handlers.case_relay import notify_owner_of_information
from handlers.dialogue import EDIT_NOT_TAKEN
from handlers.intake_answers import problem_text
from handlers.report_prompts import FIELD_LABELS
from storage.models import DialogueAnswer, Draft


def field_name(state: str) -> str:
    """The question a state asks, as the review names it."""
    if state == AdditionState.ADDING_INFO:
        return _("the information you added")
    try:
        answered = State(state)
    except ValueError:
        return _("your answer")
    label = FIELD_LABELS.get(SUB_STEPS.get(answered, answered))
    return label.translated() if label is not None else _("your answer")


def _edited_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or message.caption or "").strip()


async def correct(update: Update, context: PinganContext, draft: Draft, answered: DialogueAnswer) -> None:
    """The report is open: the edited answer replaces the one given (or is refused, and the old one
    stays); the question now asked is not touched."""
    if not answered.taken:  # the message had been refused: an edit does not answer the question now
        await update.effective_message.reply_text(html.escape(EDIT_NOT_TAKEN.translated()))
        return
    state = answered.state
    field = field_name(state)
    try:
        answered = State(state)
    except ValueError:
        answered = None
    outcome = (await context.services.intake.correct(draft, answered, _edited_text(update))
               if answered is not None else None)
    if outcome is None or outcome.problem is Problem.NOT_CORRECTABLE:
        text = _("You edited your answer to “{field}”. I cannot change that one from an edit: change it from the "
                 "review before you send the report.").format(field=field)
    elif outcome.problem is not None:
        reason = problem_text(outcome.problem, context.services.config.reports, outcome.extra)
        text = _("Your edit of “{field}” was not taken, so your earlier answer stays. {reason}").format(
            field=field, reason=reason)
    else:
        text = _("Thank you: your answer to “{field}” is updated. You can go on with the question below.").format(
            field=field)
    await update.effective_message.reply_text(html.escape(text))


async def correct_addition(update: Update, context: PinganContext, draft: Draft, answered: DialogueAnswer) -> None:
    """More information for a sent report is on its case as soon as it is sent: an edit of it is
    added to the case as a correction too."""
    if draft.case_id is not None:
        await correct_sent(update, context, draft.case_id, answered.state)


async def correct_sent(update: Update, context: PinganContext, case_id: int, state: str) -> None:
    """The report was sent: the edit is added to its case as the reporter's correction."""
    text = _edited_text(update)
    if not text:
        return
    reports = context.services.reports
    field = field_name(state)
    correction = _("The reporter corrected “{field}”: {text}").format(field=field, text=text)
    try:
        addition = await reports.add_information(case_id, update.effective_user.id, text=correction)
    except (NotAllowed, CaseClosed):
        await update.effective_message.reply_text(html.escape(_(
            "Your report is closed, so the edit could not be added. Send /report to tell us something new.")))
        return
    case = await reports.case(case_id)
    await case_additions.post_addition(context, case, update.effective_user.id, [], text=addition.text, joined=False)
    await notify_owner_of_information(context, case.id, update.effective_user.id, addition.text)
    await update.effective_message.reply_text(html.escape(_(
        "Thank you: your correction to “{field}” is added to report {ref}, and the staff handling it are "
        "told.").format(field=field, ref=case.ref)))
