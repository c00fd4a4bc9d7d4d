"""The dialogue kernel's Telegram side: what defines a dialogue, and the asking they all share.

A dialogue module declares, at its top, a State enum named for what the bot waits for
(CHOOSING_KIND, TYPING_TEXT …); then one short function per step; then, at the bottom:

    DIALOGUE = Dialogue(
        name=DialogueName.ALERT, states=State,
        steps={State.CHOOSING_KIND: choose_kind, …},      # state → the function taking its answer
        prompts={State.CHOOSING_KIND: ask_kind, …},       # state → what the bot says in it
        diagram=Path(__file__).with_suffix(".mmd"),
    )

The draft (bot/services/dialogues.py) is saved after every answer; its timeout and reminder
policy is configured there. `handlers/private.py` routes messages and /cancel to the dialogue.
See docs/dialogues.md for adding one.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_
from bot.services.dialogues import FRAGMENT_CHARS, FRAGMENT_WINDOW, DialogueName
from handlers.message_text import split_plain
from storage.models import Draft

logger = logging.getLogger(__name__)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


@dataclass(frozen=True)
class Prompt:
    """One message of a state's question. The text is HTML: render functions escape whatever a
    user typed (html.escape) and nothing else."""

    text: str
    markup: ReplyMarkup | None = None
    #: The message whose inline buttons answer the state (remembered; older ones are stale). A
    #: reply keyboard cannot be edited away, so a state that shows one sends it first, apart.
    is_question: bool = True


@dataclass
class Turn:
    """One answer to a dialogue's question: a press of its buttons (`pressed`), or a message
    (`text` is its text, when it has one). Step functions take a Turn and return nothing."""

    update: Update | None  # None: a text held for its other parts, taken by a job
    context: PinganContext
    draft: Draft
    pressed: CallbackData | None = None
    text: str | None = None
    answered: bool = False

    @property
    def user_id(self) -> int:
        return self.draft.user_id

    @property
    def chat_id(self) -> int:
        return self.update.effective_chat.id

    @property
    def message(self) -> Message:
        return self.update.effective_message

    @property
    def services(self):
        return self.context.services

    async def answer(self, popup: str | None = None, *, alert: bool = False) -> None:
        """Answers the press once (`popup` is plain text, shown as an alert box if `alert`);
        a message needs no answer."""
        query = self.update.callback_query if self.update is not None else None
        if query is not None and not self.answered:
            self.answered = True
            await query.answer(popup, show_alert=alert)


#: What the bot says in one state: one message, or several (a reply keyboard, then the question).
Render = Callable[[PinganContext, Draft], Awaitable[Prompt | list[Prompt]]]

#: Said when someone edits a message that had been refused as an answer (handlers/private.py).
EDIT_NOT_TAKEN = N_("I noticed you edited your message. An edit is not taken as an answer: please send the "
                    "corrected text again as a new message.")

#: Every dialogue defined, for the tests that hold them to their diagrams.
DEFINED: list[Dialogue] = []


@dataclass(frozen=True)
class Dialogue:
    """One dialogue: its states, step table, render table and diagram."""

    name: DialogueName | str
    states: type[StrEnum]
    #: State → the function that takes an answer given in that state. Its signature is the
    #: dialogue's own (a service method for the report, a handler function for the others).
    steps: Mapping[StrEnum, Callable[..., Awaitable[Any]]]
    #: State → what the bot says in that state.
    prompts: Mapping[StrEnum, Render]
    #: The Mermaid state diagram beside the module, naming exactly the states of `states`.
    diagram: Path
    #: States reached without a step of their own (none by default); listed, never implied.
    without_step: frozenset[StrEnum] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        every = set(self.states)
        missing_steps = every - set(self.steps) - set(self.without_step)
        missing_prompts = every - set(self.prompts)
        if missing_steps or missing_prompts:
            raise ValueError(f"dialogue {self.name}: no step for {sorted(missing_steps)}, "
                             f"no prompt for {sorted(missing_prompts)}")
        DEFINED.append(self)

    def state_of(self, draft: Draft) -> StrEnum | None:
        """The draft's state, or None for a value this version does not know (a stored draft from
        a version that had other states: the dialogue then starts again politely)."""
        try:
            return self.states(draft.state)
        except ValueError:
            return None

    def step_for(self, draft: Draft) -> Callable[..., Awaitable[Any]] | None:
        state = self.state_of(draft)
        return self.steps.get(state) if state is not None else None

    async def render(self, context: PinganContext, draft: Draft) -> list[Prompt]:
        state = self.state_of(draft)
        if state is None:
            return []
        rendered = await self.prompts[state](context, draft)
        return rendered if isinstance(rendered, list) else [rendered]

    async def ask(self, context: PinganContext, chat_id: int, draft: Draft, *, note: str | None = None) -> Draft:
        """Sends the question of the draft's state as fresh messages (the previous question's
        buttons go away) and remembers which message answers it. `note` (plain text, escaped here)
        comes first: why the same question is asked again, or what the last answer did. Texts are
        HTML by the application's Defaults."""
        await strip_buttons(context, chat_id, draft.prompt_message_id)
        question_id = None
        for index, prompt in enumerate(await self.render(context, draft)):
            text = prompt.text
            if note and index == 0:
                text = f"{html.escape(note)}\n\n{text}"
            message = await context.bot.send_message(chat_id, text, reply_markup=prompt.markup)
            if prompt.is_question:
                question_id = message.message_id
        return await context.services.dialogues.remember_prompt(draft, question_id)

    async def refresh(self, context: PinganContext, chat_id: int, draft: Draft, *, note: str | None = None) -> None:
        """Redraws the question in place (a toggle changed what it shows); nothing if unchanged."""
        prompts = [p for p in await self.render(context, draft) if p.is_question]
        if not prompts or draft.prompt_message_id is None:
            return
        prompt = prompts[-1]
        text = f"{html.escape(note)}\n\n{prompt.text}" if note else prompt.text
        markup = prompt.markup if isinstance(prompt.markup, InlineKeyboardMarkup) else None
        try:
            await context.bot.edit_message_text(text, chat_id, draft.prompt_message_id, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified": a repeated tap that changed nothing
            logger.debug("%s question not refreshed: %s", self.name, exc)

    def diagram_states(self) -> set[str]:
        """The state names the diagram draws (upper-case words outside comments and notes)."""
        names = set()
        for line in self.diagram.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("%%") or line.startswith("note "):
                continue
            transition = line.split(":", 1)[0]  # a transition's label is prose, not states
            names |= set(re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", transition))
        return names


#: Sends a text the person gave (a whole answer, split parts joined) on to its dialogue.
TakeText = Callable[[PinganContext, Draft, str], Awaitable[None]]


async def join_split_text(context: PinganContext, draft: Draft, text: str, take: TakeText) -> str | None:
    """A typed text, with the parts Telegram split it into joined: the whole text to take now, or
    None while a long part waits (FRAGMENT_WINDOW) for the part that follows. A part still held from
    before a pause or a restart is taken on its own first, so nothing typed is lost."""
    dialogues = context.services.dialogues
    draft, held = await dialogues.take_fragment(draft)
    if held is not None and held.joinable:
        text = held.text + text
    elif held is not None:
        await take(context, draft, held.text)
        draft = await dialogues.get(draft.user_id, DialogueName(draft.dialogue)) or draft
    if len(text) < FRAGMENT_CHARS:
        return text
    await dialogues.hold_fragment(draft, text)
    if context.job_queue is not None:
        name = f"dialogue:{draft.user_id}:{draft.dialogue}:held"
        for earlier in context.job_queue.get_jobs_by_name(name):  # one wait per held text, never two
            earlier.schedule_removal()
        context.job_queue.run_once(_take_held, FRAGMENT_WINDOW.total_seconds(),
                                   data=(draft.user_id, draft.dialogue, take), name=name)
    return None


async def _take_held(context: PinganContext) -> None:
    """Job: no further part came; the held text is the whole answer."""
    user_id, dialogue, take = context.job.data
    dialogues = context.services.dialogues
    draft = await dialogues.get(user_id, DialogueName(dialogue))
    if draft is None or draft.held_text is None:
        return  # the next part came, or the dialogue ended
    draft, held = await dialogues.take_fragment(draft, window_over=True)
    if held is not None:
        await take(context, draft, held.text)


#: A text given back is cut well within Telegram's limit of a message.
GIVE_BACK_CHARS = 4000


async def give_back(context: PinganContext, chat_id: int, intro: str | None, text: str) -> None:
    """A refused text sent back whole (in as many messages as it takes), to copy and change rather
    than type again. `intro` is plain text."""
    if intro:
        await context.bot.send_message(chat_id, html.escape(intro))
    for part in split_plain(text, GIVE_BACK_CHARS):
        await context.bot.send_message(chat_id, html.escape(part))


#: How long a step waits for the previous question's buttons to go before it asks the next one.
#: Usually the edit is answered well within it, so the old buttons are gone before the new question
#: appears; a hanging edit goes on in the background instead of holding the resident (whose next
#: update waits for this one) for the client's 5-second read timeout.
STRIP_WAIT_SECONDS = 0.5


async def strip_buttons(context: PinganContext, chat_id: int, message_id: int | None) -> None:
    """Takes the inline buttons off an earlier question (it is answered, or stale). Cosmetic: a
    failure is logged and never stops the dialogue, and a slow edit is not waited for. Questions are
    asked in private chats only: a stale-button press forged onto a group's message (an alert, a case
    card) names that group, whose buttons are not the dialogue's to take away."""
    if message_id is None or chat_id <= 0:
        return
    task = context.application.create_task(_remove_markup(context.bot, chat_id, message_id),
                                           name=f"strip_buttons:{chat_id}:{message_id}")
    await asyncio.wait({task}, timeout=STRIP_WAIT_SECONDS)


async def _remove_markup(bot: Bot, chat_id: int, message_id: int) -> None:
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest:  # already without buttons, or too old to edit: nothing to tidy
        pass
    except TelegramError as exc:  # a 5xx or a timeout: the buttons stay, the dialogue goes on
        logger.info("buttons of message %s in %s not removed: %s", message_id, chat_id, exc)
