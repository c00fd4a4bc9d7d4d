"""A *form*: a staff dialogue in private that asks by buttons and typed text, with Back on every
question after the first and Cancel on each (adding a tip, a scam rule…). Each such dialogue used
to carry its own copy of the same press and message routing; a Form holds it once.

The dialogue module keeps its State enum, steps, prompts and `Dialogue` (handlers/dialogue.py) and
builds one Form over them; its steps call `FORM.advance()`, `FORM.ask_again()`, `FORM.expired()`,
its prompts `FORM.back_cancel_row()`, and handlers/private.py routes `FORM.claim` / `FORM.cancel`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatType

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import LazyText, _
from handlers.dialogue import Dialogue, Turn, strip_buttons
from storage.models import Draft, Role


def back_cancel_row(button: type[CallbackData], draft: Draft) -> list[InlineKeyboardButton]:
    """Back (after the first question) and Cancel, as `button`'s `back` and `cancel`."""
    row = [InlineKeyboardButton(_("Back"), callback_data=button("back").pack())] if draft.history else []
    row.append(InlineKeyboardButton(_("Cancel"), callback_data=button("cancel").pack()))
    return row


#: The answers as they are to be when the question of a state is asked again by Back (given the
#: state and the answers so far): a question that collects several values takes back the last one.
Rewind = Callable[[str, dict], dict]


@dataclass(frozen=True)
class FormTexts:
    """What a form says in its own words (lazy texts, translated when said)."""

    #: A press that no longer fits ("… Please send /library again.").
    expired: LazyText
    #: A draft stored by a version with other states.
    cannot_continue: LazyText
    #: The draft timed out (the dialogue's policy tells it so); None if the policy never does.
    timed_out: LazyText | None = None


class Form:
    """The routing every form shares: who may answer, stale and expired presses, Back, Cancel."""

    def __init__(self, dialogue: Dialogue, button: type[CallbackData], *, typed: Iterable[StrEnum],
                 allowed: Callable[[frozenset[Role]], bool], texts: FormTexts,
                 typed_with_buttons: Iterable[StrEnum] = (), rewind: Rewind | None = None) -> None:
        """`typed`: the states answered by a message; of those, `typed_with_buttons` also offer
        buttons of their own (a Skip), so a press there goes to the step too. `rewind`: how Back
        changes the answers (by default they stay as they are)."""
        self.dialogue = dialogue
        self.button = button
        self.typed = frozenset(typed)
        self.typed_with_buttons = frozenset(typed_with_buttons)
        self.allowed = allowed
        self.texts = texts
        self.rewind = rewind

    # --- for the steps ---------------------------------------------------------------------------

    async def advance(self, turn: Turn, state: StrEnum, **answers) -> None:
        """Saves the answer and asks the next question (the state left is kept for Back)."""
        draft = await turn.services.dialogues.save(turn.draft, state=str(state), data={**turn.draft.data, **answers},
                                                   history=(*turn.draft.history, turn.draft.state))
        await self.dialogue.ask(turn.context, turn.chat_id, draft)

    async def ask_again(self, turn: Turn, why: str) -> None:
        """The same question again, saying why (a wrong answer still counts as activity)."""
        draft = await turn.services.dialogues.save(turn.draft)
        await self.dialogue.ask(turn.context, turn.chat_id, draft, note=why)

    async def expired(self, turn: Turn) -> None:
        await turn.answer(self.texts.expired.translated(), alert=True)

    async def drop(self, turn: Turn) -> None:
        """Ends the form: the draft is gone and its question loses its buttons."""
        await turn.services.dialogues.drop(turn.draft.user_id, self.dialogue.name)
        await strip_buttons(turn.context, turn.chat_id, turn.draft.prompt_message_id)

    async def go_back(self, turn: Turn) -> None:
        """Asks the previous question again."""
        history = turn.draft.history
        if not history:
            await self.expired(turn)
            return
        data = self.rewind(history[-1], dict(turn.draft.data)) if self.rewind is not None else turn.draft.data
        draft = await turn.services.dialogues.save(turn.draft, state=history[-1], history=history[:-1], data=data)
        await self.dialogue.ask(turn.context, turn.chat_id, draft)

    # --- for the prompts -------------------------------------------------------------------------

    def back_cancel_row(self, draft: Draft) -> list[InlineKeyboardButton]:
        """Back (after the first question) and Cancel."""
        return back_cancel_row(self.button, draft)

    # --- entry, presses, messages, /cancel -------------------------------------------------------

    async def start(self, update: Update, context: PinganContext, state: StrEnum, data: dict | None = None) -> None:
        """A new draft (replacing an unfinished one, whose question loses its buttons), and its first question."""
        chat_id, dialogues = update.effective_chat.id, context.services.dialogues
        earlier = await dialogues.get(update.effective_user.id, self.dialogue.name)
        if earlier is not None:
            await strip_buttons(context, chat_id, earlier.prompt_message_id)
        draft = await dialogues.start(update.effective_user.id, self.dialogue.name, state, data=data or {})
        await self.dialogue.ask(context, chat_id, draft)

    def may_press(self, update: Update, context: PinganContext) -> bool:
        """Pressed by someone allowed, in their private chat."""
        return self.allowed(context.roles) and update.effective_chat.type == ChatType.PRIVATE

    async def on_press(self, update: Update, context: PinganContext, press: CallbackData | None) -> None:
        """A press on the form's question: Cancel, Back, or the step of the draft's state. A press
        from someone not allowed, on an older question, or without a draft answers why not."""
        query = update.callback_query
        if not self.may_press(update, context):
            await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
            return
        draft = await context.services.dialogues.get(update.effective_user.id, self.dialogue.name)
        if draft is not None and draft.timed_out:
            await query.answer()
            await self.timed_out(update, context)
            return
        if press is None or draft is None or self.dialogue.state_of(draft) is None:
            await query.answer(self.texts.expired.translated(), show_alert=True)
            return
        if draft.prompt_message_id is not None and query.message.message_id != draft.prompt_message_id:
            await query.answer(_("That question was already answered. Please use the latest message."),
                               show_alert=True)
            return
        turn = Turn(update, context, draft, pressed=press)
        if press.action == "cancel":
            await self.drop(turn)
            await turn.answer(_("Cancelled: nothing was saved."))
        elif press.action == "back":
            await self.go_back(turn)
        elif self.dialogue.state_of(draft) in self.typed - self.typed_with_buttons:
            await turn.answer(_("Please type your answer, or use Back or Cancel."), alert=True)
        else:
            await self.dialogue.step_for(draft)(turn)
        await turn.answer()

    async def claim(self, update: Update, context: PinganContext, draft: Draft) -> bool:
        """A private message: the answer to this person's form (True), else False. Only typed
        questions take messages; a message that is not text is asked for again."""
        message = update.effective_message
        if not self.allowed(context.roles):
            return False
        if draft.timed_out:
            await self.timed_out(update, context)
            return True
        state = self.dialogue.state_of(draft)
        if state is None:
            await context.services.dialogues.drop(draft.user_id, self.dialogue.name)
            await message.reply_text(html.escape(self.texts.cannot_continue.translated()))
            return True
        if state not in self.typed:
            await message.reply_text(html.escape(_("Please choose with the buttons above, or send /cancel.")))
            return True
        if not message.text:
            draft = await context.services.dialogues.save(draft)
            await self.dialogue.ask(context, update.effective_chat.id, draft,
                                    note=_("Please send the text as a message."))
            return True
        await self.dialogue.step_for(draft)(Turn(update, context, draft, text=message.text))
        return True

    async def cancel(self, update: Update, context: PinganContext, draft: Draft) -> None:
        """/cancel: drops the form."""
        await context.services.dialogues.drop(draft.user_id, self.dialogue.name)
        if draft.timed_out:
            await self.timed_out(update, context)
            return
        await strip_buttons(context, update.effective_chat.id, draft.prompt_message_id)
        await update.effective_message.reply_text(html.escape(_("Cancelled: nothing was saved.")))

    async def timed_out(self, update: Update, context: PinganContext) -> None:
        """Says how to start again after a long pause (the draft is already dropped)."""
        text = self.texts.timed_out or self.texts.cannot_continue
        await context.bot.send_message(update.effective_chat.id, html.escape(text.translated()))
