"""What mediation's dialogues share (issue 17): taking a message or a press as the answer to the
open question, on the kernel's step table. Not a dialogue of its own."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import PinganContext
from bot.i18n import _
from bot.services.dialogues import DialogueName
from handlers.dialogue import Dialogue, Turn, strip_buttons
from storage.models import Draft


async def take_message(update: Update, context: PinganContext, draft: Draft, dialogue: Dialogue) -> bool:
    """A private message as the answer to the draft's question (always taken while it is open)."""
    step = dialogue.step_for(draft)
    if step is None:  # a state this version does not know: the dialogue ends politely
        await context.services.dialogues.drop(draft.user_id, DialogueName(draft.dialogue))
        await update.effective_message.reply_text(html.escape(_("Sorry, that question has expired.")))
        return True
    message = update.effective_message
    await step(Turn(update, context, draft, text=message.text or message.caption))
    return True


async def take_press(update: Update, context: PinganContext, dialogue: Dialogue, family) -> None:
    """A press of the dialogue's buttons: the answer to its open question, if it is the latest one."""
    query = update.callback_query
    pressed = family.parse(query.data)
    if pressed is None:
        await query.answer(_("This button has expired."), show_alert=True)
        return
    draft = await context.services.dialogues.get(update.effective_user.id, DialogueName(dialogue.name))
    if draft is None:
        await strip_buttons(context, update.effective_chat.id, query.message.message_id if query.message else None)
        await query.answer(_("This question is no longer open."), show_alert=True)
        return
    if query.message is None or query.message.message_id != draft.prompt_message_id:
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    step = dialogue.step_for(draft)
    turn = Turn(update, context, draft, pressed=pressed)
    if step is not None:
        await step(turn)
    await turn.answer()
