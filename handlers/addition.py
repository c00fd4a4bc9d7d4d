"""Adding information to a submitted case (/myreports → Add information): a dialogue of one state
(the step is bot/services/intake.py's, the diagram addition.mmd beside this file). What the
reporter sends reaches the case's card and its owner."""

from __future__ import annotations

import asyncio
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
from handlers import case_additions
from handlers.case_relay import notify_owner_of_information
from handlers.dialogue import Dialogue, Prompt, strip_buttons
from handlers.guards import pressed_in_own_private_chat
from handlers.intake_answers import answer_from, problem_text
from storage.models import CLOSED_STATUSES, Case, Draft

#: Telegram delivers an album's photos as separate messages a moment apart: they wait this long
#: after the last one, then reach the staff chat as one album.
ALBUM_SETTLE_SECONDS = 1.0


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
    """Text, a photo or a voice message: added to the case at once (anything else is explained).
    An album's photos wait for each other, to reach the staff chat as one album."""
    chat_id = update.effective_chat.id
    answer = answer_from(update.effective_message)
    outcome = await context.services.intake.answer(draft, answer)
    if outcome.problem is not None:
        note = problem_text(outcome.problem, context.services.config.reports, outcome.extra)
        await DIALOGUE.ask(context, chat_id, draft, note=note)
        return True
    reports = context.services.reports
    media_type = {AnswerType.PHOTO: "photo", AnswerType.VOICE: "voice"}.get(answer.type)
    words = answer.value if answer.type is AnswerType.TEXT else answer.caption.strip()
    try:
        addition = await reports.add_information(draft.case_id, draft.user_id, text=words, media_type=media_type,
                                                 file_id=answer.value if media_type else None)
    except (NotAllowed, CaseClosed):
        await context.services.intake.discard(draft.user_id)
        await update.effective_message.reply_text(html.escape(_(
            "This report is closed, so information can no longer be added. Send /report to make a new one.")))
        return True
    same_album = answer.media_group_id is not None and answer.media_group_id == draft.media_group_id
    draft = outcome.draft
    if not same_album:
        draft = await post_held_photos(context, draft)  # what came before goes first
    case = await reports.case(draft.case_id)
    media = [m for m in await reports.media_of(case.id) if m.addition_id == addition.id]
    others = [m for m in media if m.media_type != "photo"]
    if addition.text or others:
        await case_additions.post_addition(context, case, draft.user_id, others, text=addition.text, joined=False)
    photos = [m for m in media if m.media_type == "photo"]
    if photos and answer.media_group_id is None:
        await case_additions.post_added_photos(context, case, photos)
    elif photos:
        draft = await _hold_photos(context, draft, [m.id for m in photos], answer.media_group_id)
    if same_album:
        return True  # the album's first photo was answered for all of it
    await notify_owner_of_information(context, case.id, draft.user_id, addition.text)
    await DIALOGUE.ask(context, chat_id, draft, note=_("Added to {ref}.").format(ref=case.ref))
    return True


async def _hold_photos(context: PinganContext, draft: Draft, media_ids: list[int], media_group_id: str) -> Draft:
    """An album's photo waits for the album's others: they go together once none came for a moment."""
    async with _held_photos_lock(context):
        draft = await context.services.dialogues.get(draft.user_id, DialogueName.ADDITION) or draft
        held = [*draft.data.get("held_photos", []), *media_ids]
        draft = await context.services.dialogues.save(draft, data={**draft.data, "held_photos": held},
                                                      media_group_id=media_group_id)
    name = f"addition:album:{draft.user_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(album_settled, ALBUM_SETTLE_SECONDS, data=draft.user_id, name=name)
    return draft


async def album_settled(context: PinganContext) -> None:
    """Job: no more photos of the album came; they go to the staff chat together."""
    draft = await context.services.dialogues.get(context.job.data, DialogueName.ADDITION)
    if draft is not None:
        await post_held_photos(context, draft)


async def post_held_photos(context: PinganContext, draft: Draft) -> Draft:
    """The photos waiting for their album's others, as one album under the card; the draft without them."""
    async with _held_photos_lock(context):
        draft = await context.services.dialogues.get(draft.user_id, DialogueName.ADDITION) or draft
        held = draft.data.get("held_photos") or []
        if not held:
            return draft
        draft = await context.services.dialogues.save(draft, data={**draft.data, "held_photos": []},
                                                      media_group_id=None)
    reports = context.services.reports
    case = await reports.case(draft.case_id)
    await case_additions.post_added_photos(context, case, [m for m in await reports.media_of(case.id) if m.id in held])
    return draft


def _held_photos_lock(context: PinganContext) -> asyncio.Lock:
    """The album job runs beside the updates: one holds the held photos at a time."""
    return context.application.bot_data.setdefault("addition_held_photos_lock", asyncio.Lock())


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
    await post_held_photos(context, draft)
    await context.services.intake.discard(draft.user_id)
    await strip_buttons(context, chat_id, draft.prompt_message_id)
    await context.bot.send_message(chat_id, html.escape(_("Thank you. Staff will see what you added.")))
    await query.answer()


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: the addition ends; what was sent is already on the case."""
    await post_held_photos(context, draft)
    await strip_buttons(context, draft.user_id, draft.prompt_message_id)
    await context.services.intake.discard(draft.user_id)
    await update.effective_message.reply_text(html.escape(_("Finished. What you sent is already on your report.")),
                                              reply_markup=ReplyKeyboardRemove())
