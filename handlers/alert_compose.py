"""/alert: an officer's guided urgent alert, on the dialogue kernel (handlers/dialogue.py).

The draft is saved after every answer, so a restart loses nothing; the states are drawn in
alert_compose.mmd beside this file. Presses and typed messages both go through the step table;
every press is re-authorised from the stored roles. The rules an answer is checked against are
the alert service's (bot/services/alerts.py).
"""

from __future__ import annotations

import html
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatType

from bot.context import PinganContext
from bot.i18n import _
from bot.roles import may_issue_alerts
from bot.services.alerts import KIND_LABELS, AlertClosed, Problem
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from handlers.alert_delivery import launch_delivery, send_previews, tip_link_for
from handlers.alert_manage import ask_approval
from handlers.alert_prompts import (
    AlertButton,
    ask_duration,
    ask_kind,
    ask_photos,
    ask_pin,
    ask_targets,
    ask_text,
    ask_to_confirm,
    button,
    cancel_row,
    problem_text,
)
from handlers.dialogue import Dialogue, Turn, give_back, join_split_text, strip_buttons
from handlers.guards import pressed_in_own_private_chat
from storage.models import Draft, GroupKind


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    CHOOSING_KIND = "kind"
    TYPING_TEXT = "text"
    ADDING_PHOTOS = "photos"
    CHOOSING_TARGETS = "targets"
    CHOOSING_PIN = "pin"
    CHOOSING_DURATION = "hours"
    CONFIRMING = "confirm"


def _only_issuers_text() -> str:
    return _("Sorry, only community officers, supervisors and administrators can send urgent alerts.")


# --- asking -------------------------------------------------------------------------------------------

async def ask(context: PinganContext, chat_id: int, draft: Draft, *, note: str | None = None) -> Draft:
    """Asks the draft's question; the confirmation comes after the alert as residents will see it."""
    if DIALOGUE.state_of(draft) is State.CONFIRMING:
        data = draft.data
        expires_at = context.services.clock.now() + timedelta(hours=int(data["hours"]))
        await send_previews(context, chat_id, kind=data["kind"], text=data["text"],
                            photos=list(data.get("photos", [])), targets=data, expires_at=expires_at)
    return await DIALOGUE.ask(context, chat_id, draft, note=note)


async def advance(turn: Turn, state: State, data: dict[str, Any] | None = None, **answers: Any) -> None:
    """Saves the answer with the state it leads to, and asks that state's question."""
    await turn.answer()
    data = {**(turn.draft.data if data is None else data), **answers}
    draft = await turn.context.services.dialogues.save(turn.draft, state=state, data=data)
    await ask(turn.context, turn.user_id, draft)


async def ask_again(turn: Turn, problem: Problem) -> None:
    """The same question again, saying what was wrong with the answer."""
    await turn.answer()
    await ask(turn.context, turn.user_id, turn.draft, note=problem_text(problem, turn.context))


async def expect_press(turn: Turn, *actions: str) -> bool:
    """True if the turn presses one of the question's buttons; otherwise says so and False."""
    if turn.pressed is None:
        await ask_again(turn, Problem.UNKNOWN_CHOICE)
        return False
    if turn.pressed.action not in actions:
        await turn.answer(_("That question was already answered. Please use the latest message."), alert=True)
        return False
    return True


async def expect_message(turn: Turn) -> bool:
    """True if the turn is a message (the question's only button is Cancel, taken before any step)."""
    if turn.pressed is not None:
        await turn.answer(_("That question was already answered. Please use the latest message."), alert=True)
        return False
    return True


# --- the steps: one per state ------------------------------------------------------------------------------

async def choose_kind(turn: Turn) -> None:
    """Stores the kind of alert and asks for its text."""
    if not await expect_press(turn, "kind"):
        return
    if turn.pressed.value not in KIND_LABELS:
        await ask_again(turn, Problem.UNKNOWN_CHOICE)
        return
    await advance(turn, State.TYPING_TEXT, kind=turn.pressed.value)


async def take_text(turn: Turn) -> None:
    """Stores the alert's text and asks for photos (an over-long text is kept and given back to shorten)."""
    if not await expect_message(turn):
        return
    text = turn.text
    problem = turn.services.alerts.text_problem(text)
    if problem is Problem.TEXT_TOO_LONG:
        dialogues = turn.context.services.dialogues
        draft = await dialogues.save(turn.draft, data={**turn.draft.data, "too_long_text": text.strip()})
        await ask(turn.context, turn.user_id, draft, note=problem_text(problem, turn.context))
        await give_back(turn.context, turn.user_id, None, text.strip())
        return
    if problem is not None:
        await ask_again(turn, problem)
        return
    kept = {key: value for key, value in turn.draft.data.items() if key != "too_long_text"}
    after = State.ADDING_PHOTOS if turn.services.alerts.settings.max_photos else State.CHOOSING_TARGETS
    await advance(turn, after, kept, text=text.strip())


async def add_photo(turn: Turn) -> None:
    """Adds a photo and asks for more; Done (or Skip) goes on to the groups."""
    if turn.pressed is not None:
        if await expect_press(turn, "photos_done"):
            await advance(turn, State.CHOOSING_TARGETS)
        return
    if not turn.message.photo:
        await ask_again(turn, Problem.NOT_A_PHOTO)
        return
    photos = list(turn.draft.data.get("photos", []))
    problem = turn.services.alerts.photo_problem(len(photos))
    if problem is not None:
        await ask_again(turn, problem)
        return
    await advance(turn, State.ADDING_PHOTOS, photos=[*photos, turn.message.photo[-1].file_id])


async def choose_targets(turn: Turn) -> None:
    """Narrows the groups by kind or area (the question is redrawn in place), or goes on to pinning."""
    if await expect_press(turn, *TARGET_ACTIONS):
        await TARGET_ACTIONS[turn.pressed.action](turn)


async def target_everyone(turn: Turn) -> None:
    """Clears the choice: every active residents' group."""
    await _redraw_targets(turn, {**turn.draft.data, "kinds": [], "areas": []})


async def toggle_kind(turn: Turn) -> None:
    """Adds or removes a group kind."""
    if turn.pressed.value not in GroupKind._value2member_map_:
        await turn.answer(problem_text(Problem.UNKNOWN_CHOICE, turn.context), alert=True)
        return
    await _redraw_targets(turn, turn.services.alerts.toggled(turn.draft.data, "kinds", turn.pressed.value))


async def toggle_area(turn: Turn) -> None:
    """Adds or removes an area (the button carries the area's stable key)."""
    area = await turn.services.alerts.area_for_key(turn.draft.data, turn.pressed.value)
    if area is None:
        await turn.answer(problem_text(Problem.UNKNOWN_CHOICE, turn.context), alert=True)
        return
    await _redraw_targets(turn, turn.services.alerts.toggled(turn.draft.data, "areas", area))


async def finish_targets(turn: Turn) -> None:
    """Goes on to pinning, if the choice reaches at least one group."""
    if (await turn.services.alerts.target_counts(turn.draft.data)).total == 0:
        await turn.answer(problem_text(Problem.NO_GROUPS, turn.context), alert=True)
        return
    await advance(turn, State.CHOOSING_PIN)


TARGET_ACTIONS = {"tall": target_everyone, "tk": toggle_kind, "ta": toggle_area, "tdone": finish_targets}


async def _redraw_targets(turn: Turn, data: dict[str, Any]) -> None:
    """Saves the new choice and redraws the question in place with its counts."""
    draft = await turn.context.services.dialogues.save(turn.draft, state=State.CHOOSING_TARGETS, data=data)
    await DIALOGUE.refresh(turn.context, turn.user_id, draft)
    await turn.answer()


async def choose_pin(turn: Turn) -> None:
    """Stores whether to pin it and asks how long it stays current."""
    if await expect_press(turn, "pin"):
        await advance(turn, State.CHOOSING_DURATION, pin=turn.pressed.value == "1")


async def choose_duration(turn: Turn) -> None:
    """Stores how long it stays current and shows the alert for confirmation."""
    if not await expect_press(turn, "hours"):
        return
    value = turn.pressed.value
    if not value.isdigit() or not turn.services.alerts.hours_allowed(int(value)):
        await ask_again(turn, Problem.UNKNOWN_CHOICE)
        return
    await advance(turn, State.CONFIRMING, hours=int(value))


async def confirm(turn: Turn) -> None:
    """Sends the alert now, or to a supervisor for approval."""
    if not await expect_press(turn, "confirm"):
        return
    await turn.answer()
    context, user_id = turn.context, turn.user_id
    await strip_buttons(context, user_id, turn.draft.prompt_message_id)
    try:
        alert = await turn.services.alerts.confirm(turn.draft, context.roles, tip_link_for(context))
    except NotAllowed:
        await context.bot.send_message(user_id, html.escape(_only_issuers_text()))
        return
    except AlertClosed:
        await ask(context, user_id, turn.draft, note=problem_text(Problem.NO_GROUPS, context))
        return
    if alert.status == "awaiting_approval":
        await context.bot.send_message(user_id, html.escape(_(
            "Sent to a supervisor for approval. You will hear as soon as they decide.")))
        await ask_approval(context, alert)
        return
    await launch_delivery(context.application, alert.id)


# --- entry, presses, and the router's hooks ------------------------------------------------------------

async def alert_command(update: Update, context: PinganContext) -> None:
    """/alert: officers, supervisors and admins only, in private; resumes a draft in progress."""
    message = update.effective_message
    if not may_issue_alerts(context.roles):
        await message.reply_text(html.escape(_(
            "Sorry, only community officers, supervisors and administrators can send urgent alerts. "
            "If you know something urgent, send /report, or call {police} in an emergency.").format(
                police=context.services.config.emergency.numbers.get("police", "110"))))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(html.escape(_("Please send /alert in a private chat with me.")))
        return
    user_id = update.effective_user.id
    draft = await context.services.alerts.draft(user_id)
    if draft is not None and DIALOGUE.state_of(draft) is not None:
        await message.reply_text(html.escape(_("You have an alert in progress. Here is where you were.")))
    else:
        draft = await context.services.dialogues.start(user_id, DialogueName.ALERT, State.CHOOSING_KIND)
    await ask(context, user_id, draft)


async def on_button(update: Update, context: PinganContext) -> None:
    """Every button of the /alert dialogue (and of its reminder); re-authorised on each press."""
    query = update.callback_query
    pressed = AlertButton.parse(query.data) if pressed_in_own_private_chat(query) else None
    if pressed is None:
        await query.answer(_("This button has expired. Please send /alert again."), show_alert=True)
        return
    if not may_issue_alerts(context.roles):
        await query.answer(_only_issuers_text(), show_alert=True)
        return
    user_id = update.effective_user.id
    draft = await context.services.alerts.draft(user_id)
    if draft is None:
        await strip_buttons(context, user_id, query.message.message_id if query.message else None)
        await query.answer(_("This alert is no longer being written. Send /alert to start one."), show_alert=True)
        return
    turn = Turn(update, context, draft, pressed)
    if pressed.action in ANY_TIME:
        await ANY_TIME[pressed.action](turn)
    elif query.message is None or query.message.message_id != draft.prompt_message_id:
        await turn.answer(_("That question was already answered. Please use the latest message."), alert=True)
    else:
        await _take(turn)
    await turn.answer()


async def _take(turn: Turn) -> None:
    """Hands the answer to its state's step."""
    step = DIALOGUE.step_for(turn.draft)
    if step is None:  # a state this version does not know: begin again
        draft = await turn.context.services.dialogues.start(turn.user_id, DialogueName.ALERT, State.CHOOSING_KIND,
                                                            data={})
        await ask(turn.context, turn.user_id, draft, note=_("Sorry, that alert could not be continued. "
                                                            "Please start it again."))
        return
    await step(turn)


async def cancel_by_button(turn: Turn) -> None:
    """Cancel, under any question or the reminder: nothing is sent."""
    await turn.context.services.dialogues.drop(turn.user_id, DialogueName.ALERT)
    await strip_buttons(turn.context, turn.user_id, turn.draft.prompt_message_id)
    await _strip_pressed(turn)
    await turn.context.bot.send_message(turn.user_id, html.escape(_("Alert cancelled. Nothing was sent.")))


async def continue_after_reminder(turn: Turn) -> None:
    """Continue, under the reminder: the current question again (the press is answered once it is asked)."""
    await _strip_pressed(turn)
    await ask(turn.context, turn.user_id, turn.draft)


ANY_TIME = {"cancel": cancel_by_button, "continue": continue_after_reminder}


async def _strip_pressed(turn: Turn) -> None:
    """Takes the buttons off the reminder that was pressed (the question's are the kernel's to strip)."""
    query = turn.update.callback_query
    if query.message is not None and query.message.message_id != turn.draft.prompt_message_id:
        await strip_buttons(turn.context, turn.user_id, query.message.message_id)


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """A private message while an alert is being written: the answer to its question (always taken;
    the parts of a text Telegram split are joined first)."""
    text = update.effective_message.text
    if text is not None and draft.state == State.TYPING_TEXT:
        text = await join_split_text(context, draft, text, _take_held_text)
        if text is None:
            return True
        draft = await context.services.dialogues.get(draft.user_id, DialogueName.ALERT) or draft
    await _take(Turn(update, context, draft, text=text))
    return True


async def _take_held_text(context: PinganContext, draft: Draft, text: str) -> None:
    """A long text that came alone (no further part), as the alert's text."""
    await _take(Turn(None, context, draft, text=text))


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: the alert being written is dropped; nothing was sent."""
    await context.services.dialogues.drop(draft.user_id, DialogueName.ALERT)
    await strip_buttons(context, draft.user_id, draft.prompt_message_id)
    await update.effective_message.reply_text(html.escape(_("Alert cancelled. Nothing was sent.")),
                                              reply_markup=ReplyKeyboardRemove())


async def remind(context: PinganContext, draft: Draft) -> None:
    """Sweep: the alert has waited half an hour unsent; one reminder, with Continue and Cancel."""
    text = _("You have an urgent alert in progress. It has not been sent yet. Continue where you left off, or "
             "cancel it?")
    await context.bot.send_message(draft.user_id, html.escape(text), reply_markup=InlineKeyboardMarkup([
        [button(_("Continue"), "continue")], cancel_row()]))


async def expired(context: PinganContext, draft: Draft) -> None:
    """Sweep: the alert waited a day unsent and is dropped; the officer is told."""
    await strip_buttons(context, draft.user_id, draft.prompt_message_id)
    text = _("Your urgent alert waited a day without being sent, so I dropped it. Nothing was sent. Send /alert "
             "to write a new one.")
    await context.bot.send_message(draft.user_id, html.escape(text))


DIALOGUE = Dialogue(
    name=DialogueName.ALERT, states=State,
    steps={
        State.CHOOSING_KIND: choose_kind,
        State.TYPING_TEXT: take_text,
        State.ADDING_PHOTOS: add_photo,
        State.CHOOSING_TARGETS: choose_targets,
        State.CHOOSING_PIN: choose_pin,
        State.CHOOSING_DURATION: choose_duration,
        State.CONFIRMING: confirm,
    },
    prompts={
        State.CHOOSING_KIND: ask_kind,
        State.TYPING_TEXT: ask_text,
        State.ADDING_PHOTOS: ask_photos,
        State.CHOOSING_TARGETS: ask_targets,
        State.CHOOSING_PIN: ask_pin,
        State.CHOOSING_DURATION: ask_duration,
        State.CONFIRMING: ask_to_confirm,
    },
    diagram=Path(__file__).with_suffix(".mmd"),
)
