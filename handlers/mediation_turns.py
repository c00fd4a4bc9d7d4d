"""What mediation's dialogues share (issue 17): one `MediationRouting` per dialogue takes a message
or a press as the answer to the open question (on the kernel's step table), ends the dialogue on
/cancel, and corrects an answer its person edits. Not a dialogue of its own.

Unlike a staff form (handlers/dialogue_form.py), a mediation dialogue takes every message while it
is open (its steps say what they wait for) and re-checks the presser against the stored mediation.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from telegram import Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import LazyText, _
from bot.services.dialogues import DialogueName
from handlers.dialogue import EDIT_NOT_TAKEN, Dialogue, Turn, strip_buttons
from storage.models import DialogueAnswer, Draft

#: The draft's record of the message that gave its latest answer: the one an edit may correct.
LAST_ANSWER = "last_answer_message_id"

#: The answers with an edited text in place of the one first given, or why the edit is refused
#: (plain text, said to the person).
Amend = Callable[[PinganContext, dict, str], dict | str]


@dataclass(frozen=True)
class Correction:
    """How an edit corrects a typed answer while the question right after it is open."""

    #: The answer, as "your answer to “…”" names it.
    label: LazyText
    #: The question asked right after the answer (later, the answer is no longer the latest).
    while_in: StrEnum
    amend: Amend


@dataclass(frozen=True)
class MediationRouting:
    """The routing of one mediation dialogue: messages, presses of `button`, /cancel, edits."""

    dialogue: Dialogue
    #: Said on /cancel.
    cancelled: LazyText
    #: The dialogue's own button family; None when its presses come through another family.
    button: type[CallbackData] | None = None
    #: State → how an edit of the answer typed in it corrects it.
    corrections: Mapping[StrEnum, Correction] = field(default_factory=dict)

    @property
    def name(self) -> DialogueName:
        return DialogueName(self.dialogue.name)

    async def claim(self, update: Update, context: PinganContext, draft: Draft) -> bool:
        """A private message as the answer to the draft's question (always taken while it is open)."""
        dialogues = context.services.dialogues
        step = self.dialogue.step_for(draft)
        if step is None:  # a state this version does not know: the dialogue ends politely
            await dialogues.drop(draft.user_id, self.name)
            await update.effective_message.reply_text(html.escape(_("Sorry, that question has expired.")))
            return True
        message = update.effective_message
        await step(Turn(update, context, draft, text=message.text or message.caption))
        after = await dialogues.get(draft.user_id, self.name)
        if after is not None and after.data != draft.data:  # taken: the answer an edit may correct now
            await dialogues.save(after, data={**after.data, LAST_ANSWER: message.message_id})
        return True

    async def on_press(self, update: Update, context: PinganContext) -> None:
        """A press of the dialogue's buttons: the answer to its open question, if it is the latest one."""
        query = update.callback_query
        pressed = self.button.parse(query.data)
        if pressed is None:
            await query.answer(_("This button has expired."), show_alert=True)
            return
        draft = await context.services.dialogues.get(update.effective_user.id, self.name)
        if draft is None:
            await strip_buttons(context, update.effective_chat.id, query.message.message_id if query.message else None)
            await query.answer(_("This question is no longer open."), show_alert=True)
            return
        if query.message is None or query.message.message_id != draft.prompt_message_id:
            await query.answer(_("That question was already answered. Please use the latest message."),
                               show_alert=True)
            return
        step = self.dialogue.step_for(draft)
        turn = Turn(update, context, draft, pressed=pressed)
        if step is not None:
            await step(turn)
        await turn.answer()

    async def stop(self, context: PinganContext, draft: Draft) -> None:
        """Ends the dialogue: the draft is gone and its question loses its buttons."""
        await context.services.dialogues.drop(draft.user_id, self.name)
        await strip_buttons(context, draft.user_id, draft.prompt_message_id)

    async def cancel(self, update: Update, context: PinganContext, draft: Draft) -> None:
        """/cancel: the dialogue ends and says what became of it."""
        await self.stop(context, draft)
        await update.effective_message.reply_text(html.escape(self.cancelled.translated()))

    async def correct(self, update: Update, context: PinganContext, draft: Draft, answered: DialogueAnswer) -> None:
        """An edit of a message that answered one of the dialogue's questions: the latest typed answer
        is corrected while the question after it is open (and that question asked again below);
        an edit of anything else is told why it changes nothing."""
        message = update.effective_message
        if not answered.taken:  # the message had been refused: an edit does not answer the question now
            await message.reply_text(html.escape(EDIT_NOT_TAKEN.translated()))
            return
        correction = self.corrections.get(answered.state)
        latest = draft.data.get(LAST_ANSWER) == answered.message_id
        if correction is None or draft.state != correction.while_in or not latest:
            await message.reply_text(html.escape(_(
                "I noticed you edited a message. An edit does not change an answer already given here; where a "
                "« Back » button is offered, you can use it to answer again.")))
            return
        field_name = correction.label.translated()
        amended = correction.amend(context, draft.data, (message.text or message.caption or "").strip())
        if isinstance(amended, str):
            await message.reply_text(html.escape(_(
                "Your edit of “{field}” was not taken, so your earlier answer stays. {reason}").format(
                field=field_name, reason=amended)))
            return
        draft = await context.services.dialogues.save(draft, data=amended)
        await self.dialogue.ask(context, draft.user_id, draft, note=_(
            "Thank you: your answer to “{field}” is updated. You can go on with the question below.").format(
            field=field_name))
