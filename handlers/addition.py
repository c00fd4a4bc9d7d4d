"""Adding information to a submitted case (/myreports → Add information): a dialogue of one state
(the step is bot/services/intake.py's, the diagram addition.mmd beside this file). What the
reporter sends reaches the case's card and its owner."""

from __future__ import annotations

import html
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.intake import ADDITION_STEPS, AdditionState, AnswerType
from bot.services.reports import CaseClosed
from handlers import case_card
from handlers.case_relay import notify_owner_of_information
from handlers.dialogue import Dialogue, Prompt, strip_buttons
from handlers.guards import pressed_in_own_private_chat
from handlers.intake_answers import answer_from, problem_text
from storage.models import CLOSED_STATUSES, Case, Draft


class AdditionButton(CallbackData, prefix="add"):
    """Done, under the "send the information to add" question."""

    action: str


async def ask_information(context: PinganContext, draft: Draft) -> Prompt:
    done = InlineKeyboardButton(_("Done"), callback_data=AdditionButton("done").pack())
    return Prompt(html.escape(_("Send the information to add: text, a photo or a voice message.")),
                  InlineKeyboardMarkup([[done]]))


DIALOGUE = Dialogue(
    name=DialogueName.ADDITION, states=AdditionState, steps=ADDITION_STEPS,
    prompts={AdditionState.ADDING_INFO: ask_information},
    diagram=Path(__file__).with_suffix(".mmd"),
)


async def begin(context: PinganContext, user_id: int, case: Case) -> None:
    """Add information (from /myreports): the question, unless a report is being written."""
    intake = context.services.intake
    existing = await intake.draft(user_id)
    if existing is not None and existing.dialogue == DialogueName.REPORT:
        await context.bot.send_message(user_id, html.escape(_(
            "Please finish or cancel the report you are writing first (send /cancel to cancel it).")))
        return
    if case.status in CLOSED_STATUSES:
        await context.bot.send_message(user_id, html.escape(_(
            "This report is closed, so information can no longer be added.")))
        return
    draft = await intake.start_addition(user_id, case.id)
    await DIALOGUE.ask(context, user_id, draft, note=_("Adding to {ref}.").format(ref=case.ref))


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """Text, a photo or a voice message: added to the case at once (anything else is explained)."""
    chat_id = update.effective_chat.id
    answer = answer_from(update.effective_message)
    outcome = await context.services.intake.answer(draft, answer)
    if outcome.problem is not None:
        note = problem_text(outcome.problem, context.services.config.reports, outcome.extra)
        await DIALOGUE.ask(context, chat_id, draft, note=note)
        return True
    reports = context.services.reports
    media_type = {AnswerType.PHOTO: "photo", AnswerType.VOICE: "voice"}.get(answer.type)
    try:
        addition = await reports.add_information(
            draft.case_id, draft.user_id, text=answer.value if answer.type is AnswerType.TEXT else "",
            media_type=media_type, file_id=answer.value if media_type else None,
        )
    except (NotAllowed, CaseClosed):
        await context.services.intake.discard(draft.user_id)
        await update.effective_message.reply_text(html.escape(_(
            "This report is closed, so information can no longer be added. Send /report to make a new one.")))
        return True
    case = await reports.case(draft.case_id)
    media = [m for m in await reports.media_of(case.id) if m.addition_id == addition.id]
    await case_card.post_addition(context, case, draft.user_id, media, text=addition.text, joined=False)
    await notify_owner_of_information(context, case.id, draft.user_id, addition.text)
    await DIALOGUE.ask(context, chat_id, draft, note=_("Added to {ref}.").format(ref=case.ref))
    return True


async def on_button(update: Update, context: PinganContext) -> None:
    """Done: the addition ends (everything sent is already on the case)."""
    query = update.callback_query
    chat_id = update.effective_chat.id
    if AdditionButton.parse(query.data) is None or not pressed_in_own_private_chat(query):
        await query.answer(_("This button has expired. Please send /myreports again."), show_alert=True)
        return
    draft = await context.services.dialogues.get(update.effective_user.id, DialogueName.ADDITION)
    if draft is None:
        await strip_buttons(context, chat_id, query.message.message_id if query.message else None)
        await query.answer(_("This report is no longer open. Send /report to start a new one."), show_alert=True)
        return
    if query.message is None or query.message.message_id != draft.prompt_message_id:
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    await context.services.intake.discard(draft.user_id)
    await strip_buttons(context, chat_id, draft.prompt_message_id)
    await context.bot.send_message(chat_id, html.escape(_("Thank you. Staff will see what you added.")))
    await query.answer()


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: the addition ends; what was sent is already on the case."""
    await strip_buttons(context, draft.user_id, draft.prompt_message_id)
    await context.services.intake.discard(draft.user_id)
    await update.effective_message.reply_text(html.escape(_("Cancelled. Nothing was sent.")),
                                              reply_markup=ReplyKeyboardRemove())
