"""/report: the guided incident and dispute dialogue — its entry points, the answers it takes by
message and by button, and the hooks handlers/private.py calls. What each state asks is
handlers/report_prompts.py (the render table), what an answer does is bot/services/intake.py (the
step table); the diagram is report.mmd, beside this file.

A report started in a group moves to a private chat through a deep link; no question is ever
asked in a group. Each answer is saved as it comes, so a restart or a wrong input loses nothing.
"""

from __future__ import annotations

import html
import logging
import unicodedata

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.context import PinganContext
from bot.deeplinks import report_payload, start_link
from bot.i18n import _, ngettext
from bot.services.intake import Answer, AnswerType, Outcome, Problem, State
from bot.services.reports import RateLimited
from handlers import case_delivery
from handlers.case_news import alert_leadership
from handlers.dialogue import give_back, join_split_text, strip_buttons
from handlers.guards import pressed_in_own_private_chat
from handlers.intake_answers import answer_from, problem_text
from handlers.moments import moment_words
from handlers.report_prompts import ASKED_AGAIN, DIALOGUE, ReportButton, ReportStartButton
from handlers.report_submit import end_report, rate_limited_text, submit
from storage.models import Draft

logger = logging.getLogger(__name__)

# States whose question comes with a reply keyboard (share location / phone) to take away after.
_REPLY_KEYBOARD_STATES = {State.LOCATING, State.SHARING_CONTACT}
#: Gas categories get the gas advice when urgent; other categories only the fire brigade answers
#: get the fire advice.
_GAS_CATEGORIES = {"gas_hazard"}


def _expired() -> str:
    return _("This button has expired. Please send /report again.")


def _already_answered() -> str:
    return _("That question was already answered. Please use the latest message.")


# --- entry points ------------------------------------------------------------------------------

async def report_command(update: Update, context: PinganContext) -> None:
    """/report: in a group, a button to continue privately; in private, the first question."""
    if update.effective_chat.type != ChatType.PRIVATE:
        await link_from_group(update, context)
        return
    await begin(context, update.effective_user.id, origin_group_id=None)


async def link_from_group(update: Update, context: PinganContext) -> None:
    """One short message with a deep link that carries which group the person came from."""
    chat = update.effective_chat
    group = await context.services.groups.seen(chat.id, chat.title or "", chat.type)
    link = start_link(context.bot.username, report_payload(group.ref))
    await update.effective_message.reply_text(
        html.escape(_("To report something, tap the button: we continue in a private chat, so nobody's details "
                      "appear in this group.")),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(_("Report privately"), url=link)]]),
    )


async def begin_from_link(update: Update, context: PinganContext, group_ref: str | None) -> None:
    """/start rep_<group>: a report that remembers the group it came from."""
    group = await context.services.groups.by_ref(group_ref) if group_ref else None
    await begin(context, update.effective_user.id, origin_group_id=group.id if group else None)


async def begin(context: PinganContext, user_id: int, *, origin_group_id: int | None,
                kind: str | None = None, replace: bool = False, category: str | None = None,
                received_message: str | None = None) -> None:
    """Starts a report, or offers to resume the one in progress."""
    intake = context.services.intake
    existing = await intake.draft(user_id)
    if existing is not None and existing.dialogue == DIALOGUE.name and not replace:
        started = moment_words(context, existing.started_at)
        origin = existing.origin_group_id if origin_group_id is None else origin_group_id
        await context.bot.send_message(
            user_id,
            html.escape(_("You have an unfinished report, started at {time}. Continue it, or start "
                          "again?").format(time=started)),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Continue"), callback_data=ReportStartButton("resume").pack()),
                InlineKeyboardButton(_("Start again"),
                                     callback_data=ReportStartButton("restart", origin or 0).pack()),
            ]]),
        )
        return
    try:
        await context.services.reports.check_rate(user_id)
    except RateLimited as limited:
        await context.bot.send_message(user_id, html.escape(rate_limited_text(context, limited.limit)))
        return
    await DIALOGUE.ask(context, user_id, await intake.start_report(
        user_id, origin_group_id, kind, category=category, received_message=received_message))


async def _stop(context: PinganContext, chat_id: int, draft: Draft) -> None:
    """Cancel / Discard / /cancel: the report ends, and the person is told what became of it."""
    await strip_buttons(context, chat_id, draft.prompt_message_id)
    await context.bot.send_message(chat_id, html.escape(await end_report(context, draft)),
                                   reply_markup=ReplyKeyboardRemove())


# --- answers by message ------------------------------------------------------------------------

async def _typed_button(context: PinganContext, draft: Draft, answer: Answer) -> Answer:
    """Text that is the label of one of the state's answer buttons (someone typed "昨天" instead of
    tapping it) counts as the tap."""
    typed = _label_key(answer.value)
    for prompt in await DIALOGUE.render(context, draft):
        if not isinstance(prompt.markup, InlineKeyboardMarkup):
            continue
        for button in (b for row in prompt.markup.inline_keyboard for b in row):
            pressed = ReportButton.parse(button.callback_data)
            if (pressed is not None and pressed.action == "a" and pressed.state == draft.state
                    and _label_key(button.text) == typed):
                return Answer.choice(pressed.value)
    return answer


def _label_key(text: str) -> str:
    """A label as people type it: no emoji or punctuation, no case, full-width forms folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """Takes a private message as the answer to the person's report (always: a wrong kind of
    answer is explained and the same question asked again)."""
    user_id = update.effective_user.id
    if DIALOGUE.state_of(draft) is None:  # stored by a version with other states: start again
        await begin(context, user_id, origin_group_id=draft.origin_group_id, replace=True)
        return True
    answer = answer_from(update.effective_message)
    if answer.type is AnswerType.TEXT:
        text = await join_split_text(context, draft, answer.value, take_text)
        if text is None:  # the first part of a long text: the rest is on its way
            return True
        draft = await context.services.intake.draft(user_id) or draft
        answer = await _typed_button(context, draft, Answer.text(text))
    await _take(context, draft, answer)
    return True


async def take_text(context: PinganContext, draft: Draft, text: str) -> None:
    """A typed text (split parts joined) as the answer to the draft's question."""
    await _take(context, draft, await _typed_button(context, draft, Answer.text(text)))


async def _take(context: PinganContext, draft: Draft, answer: Answer) -> None:
    outcome = await context.services.intake.answer(draft, answer)
    if outcome.problem is Problem.TEXT_TOO_LONG:  # their words back, to copy and shorten, rather than lost
        await give_back(context, draft.user_id, _("Your text, to copy and shorten:"), answer.value)
    await follow_up(context, draft.user_id, draft, outcome)


async def follow_up(context: PinganContext, chat_id: int, before: Draft, outcome: Outcome) -> None:
    """Says what an answer led to: the next question, a correction, an emergency."""
    settings = context.services.config.reports
    draft = outcome.draft
    note = problem_text(outcome.problem, settings, outcome.extra) if outcome.problem else None
    if before.state == State.ADDING_PHOTOS and (outcome.photos_added or outcome.photos_refused):
        if outcome.same_album and draft.prompt_message_id is not None:
            await DIALOGUE.refresh(context, chat_id, draft, note=note)  # one acknowledgement per album
        else:
            await DIALOGUE.ask(context, chat_id, draft, note=note)
        return
    if note is not None and draft.state == before.state and DIALOGUE.state_of(draft) in ASKED_AGAIN:
        await _ask_again(context, chat_id, draft, note)
        return
    if note is not None:
        await DIALOGUE.ask(context, chat_id, draft, note=note)
        return
    if not outcome.advanced:  # e.g. a toggle: show the same question with its new state
        await DIALOGUE.refresh(context, chat_id, draft)
        return
    if before.state in _REPLY_KEYBOARD_STATES:
        await context.bot.send_message(chat_id, html.escape(_("Thank you, noted.")), reply_markup=ReplyKeyboardRemove())
    if outcome.urgent_now and draft.case_id is None:
        draft = await _raise_emergency(context, chat_id, draft)
    await DIALOGUE.ask(context, chat_id, draft)


async def _ask_again(context: PinganContext, chat_id: int, draft: Draft, note: str) -> None:
    """A question whose first asking took two messages (a reply keyboard, then the buttons), asked
    again after a wrong answer: once, in one message, the note first."""
    await strip_buttons(context, chat_id, draft.prompt_message_id)
    prompt = await ASKED_AGAIN[DIALOGUE.state_of(draft)](context, draft)
    message = await context.bot.send_message(chat_id, f"{html.escape(note)}\n\n{prompt.text}",
                                             reply_markup=prompt.markup)
    await context.services.dialogues.remember_prompt(draft, message.message_id)


def _safety_advice(category_id: str, services: list[str]) -> str | None:
    """One line of what to do first for a gas leak or a fire (None for other emergencies)."""
    if category_id in _GAS_CATEGORIES:
        return _("For your safety: leave now, open the windows on your way if you can, do not touch any switch, "
                 "and call from outside.")
    if set(services) == {"fire"}:
        return _("For your safety: leave now, do not use the lift, close the doors behind you, and call from "
                 "outside.")
    return None


async def _raise_emergency(context: PinganContext, chat_id: int, draft: Draft) -> Draft:
    """Emergency numbers to the person at once (with safety advice for fire and gas); a red case
    and an alert to the staff chat."""
    services = context.services
    category = services.config.reports.incident_category(draft.data["category"])
    numbers = services.config.emergency.numbers
    names = {"police": _("police"), "fire": _("fire"), "ambulance": _("ambulance")}
    called = category.emergency if category else ["police"]
    lines = [f"📞 {numbers[s]} — {names[s]}" for s in called if s in numbers]
    advice = _safety_advice(draft.data["category"], called)
    text = "\n".join([_("If anyone is in danger, call now:"), *lines, *([advice] if advice else []), "",
                      _("I have alerted the duty officers. Please keep answering below: every detail helps them.")])
    await context.bot.send_message(chat_id, html.escape(text))
    case = await services.reports.open_emergency_case(draft, language=context.locale)
    await case_delivery.owe_card(context, case)
    await alert_leadership(context, case)
    return await services.intake.draft(draft.user_id) or draft


# --- answers by button -------------------------------------------------------------------------

async def on_start_button(update: Update, context: PinganContext) -> None:
    """The welcome's Report button, and Continue / Start again / Discard on an offer or reminder."""
    query = update.callback_query
    pressed = ReportStartButton.parse(query.data)
    user_id, chat_id = update.effective_user.id, update.effective_chat.id
    if pressed is None or pressed.action not in ("new", "restart", "resume", "discard") or (
            pressed.group_id and await context.services.groups.by_id(pressed.group_id) is None):
        await query.answer(_expired(), show_alert=True)
        return
    if pressed.action == "new":
        await query.answer()
        await begin(context, user_id, origin_group_id=None)
        return
    if not pressed_in_own_private_chat(query):  # an offer or reminder is the person's own: forged elsewhere, nothing
        await query.answer(_expired(), show_alert=True)
        return
    draft = await context.services.intake.draft(user_id)
    await _strip_pressed(context, query)
    if pressed.action == "restart":
        await query.answer()
        if draft is not None:
            ended = await end_report(context, draft)
            if draft.case_id is not None:  # the urgent case stays: say so before starting again
                await context.bot.send_message(chat_id, html.escape(ended))
        await begin(context, user_id, origin_group_id=pressed.group_id or None, replace=True)
        return
    if draft is None or draft.dialogue != DIALOGUE.name:
        await query.answer(_("This report is no longer open. Send /report to start a new one."), show_alert=True)
        return
    if pressed.action == "resume":
        await DIALOGUE.ask(context, chat_id, await context.services.intake.touch(draft))
    else:
        await _stop(context, chat_id, draft)
    await query.answer()


async def on_button(update: Update, context: PinganContext) -> None:
    """A press on one of the report's questions. Presses on an earlier question change nothing."""
    query = update.callback_query
    pressed = ReportButton.parse(query.data)
    chat_id = update.effective_chat.id
    if pressed is None:
        await query.answer(_expired(), show_alert=True)
        return
    draft = await context.services.intake.draft(update.effective_user.id)
    if draft is None or draft.dialogue != DIALOGUE.name:
        await _strip_pressed(context, query)
        await query.answer(_("This report is no longer open. Send /report to start a new one."), show_alert=True)
        return
    if pressed.action == "cancel":
        await _strip_pressed(context, query)
        await _stop(context, chat_id, draft)
        await query.answer()
        return
    if (query.message is None or query.message.message_id != draft.prompt_message_id
            or pressed.action in ("a", "back") and pressed.state != draft.state):
        await query.answer(_already_answered(), show_alert=True)
        return
    answer = await _act(context, chat_id, draft, pressed, query)
    if answer is not None:
        await query.answer(**answer)


async def _act(context: PinganContext, chat_id: int, draft: Draft, pressed: ReportButton,
               query: CallbackQuery) -> dict | None:
    """Does what a question's button says; returns how to answer the press (a pop-up or nothing),
    or None when it was answered already (sending is, as soon as the report is stored)."""
    intake = context.services.intake
    if pressed.action == "a":
        await follow_up(context, chat_id, draft, await intake.answer(draft, Answer.choice(pressed.value)))
    elif pressed.action == "back":
        outcome = await intake.back(draft)
        if outcome.problem is Problem.FIRST_STEP:
            return {"text": _("This is the first question.")}
        if draft.state in _REPLY_KEYBOARD_STATES and outcome.draft.state not in _REPLY_KEYBOARD_STATES:
            # The location / phone keyboard belongs to the state left behind.
            await context.bot.send_message(chat_id, html.escape(_("Back to the previous question.")),
                                           reply_markup=ReplyKeyboardRemove())
        await DIALOGUE.ask(context, chat_id, outcome.draft)
    elif pressed.action == "edit" and pressed.state in State._value2member_map_:
        outcome = await intake.edit(draft, State(pressed.state))
        note = problem_text(outcome.problem, context.services.config.reports, {}) if outcome.problem else None
        await DIALOGUE.ask(context, chat_id, outcome.draft, note=note)
    elif pressed.action in ("join", "separate") and not await _was_offered(context, draft, pressed.case_id):
        return {"text": _expired(), "show_alert": True}
    elif pressed.action in ("submit", "join", "separate") and draft.state == State.REVIEWING:
        await submit(context, chat_id, draft, query.answer,
                     join_case_id=pressed.case_id if pressed.action == "join" else None,
                     separate_from=pressed.case_id if pressed.action == "separate" else None)
        return None
    else:
        return {"text": _expired(), "show_alert": True}
    return {}


async def _was_offered(context: PinganContext, draft: Draft, case_id: int) -> bool:
    """Whether the review offered this case as a possible duplicate (a forged press names another)."""
    return case_id in {case.id for case in await context.services.reports.possible_duplicates(draft)}


async def _strip_pressed(context: PinganContext, query) -> None:
    """Takes the buttons off the message pressed (an offer or reminder, now answered)."""
    if query.message is not None:
        await strip_buttons(context, query.message.chat_id, query.message.message_id)


# --- the router's and the sweep's hooks (handlers/private.py) ------------------------------------

async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: drops the report in progress and says what became of it."""
    await _stop(context, update.effective_chat.id, draft)


async def expired(context: PinganContext, draft: Draft) -> None:
    """A report left past its time is gone; an urgent one's case keeps what it held, and the
    person is told."""
    closed = await context.services.reports.close_unfinished(draft)
    if closed is None:
        return
    case = closed[0]
    await case_delivery.owe_card(context, case)
    text = _("We stopped asking about your urgent report {ref}: it is with the duty officers, with what "
             "you had told us. Send /myreports to follow it or to add to it.").format(ref=case.ref)
    try:
        await context.bot.send_message(draft.user_id, html.escape(text), reply_markup=ReplyKeyboardRemove())
    except TelegramError as exc:
        logger.info("could not tell user %s their urgent report was kept: %s", draft.user_id, exc)


async def remind(context: PinganContext, draft: Draft) -> None:
    """One reminder for a report left idle."""
    hours = context.services.config.reports.draft_ttl_hours
    text = ngettext("You have an unfinished report. Would you like to continue it? It is kept for {hours} hour.",
                    "You have an unfinished report. Would you like to continue it? It is kept for {hours} hours.",
                    hours).format(hours=hours)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Continue"), callback_data=ReportStartButton("resume").pack()),
        InlineKeyboardButton(_("Discard it"), callback_data=ReportStartButton("discard").pack()),
    ]])
    try:
        await context.bot.send_message(draft.user_id, html.escape(text), reply_markup=markup)
    except TelegramError as exc:
        logger.info("could not remind user %s of their draft: %s", draft.user_id, exc)
