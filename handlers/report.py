"""/report: the guided incident and dispute dialogues (steps in bot/services/intake.py).

A report started in a group moves to a private chat through a deep link; no question is ever
asked in a group. Each answer is saved as it comes, so a restart or a wrong input loses nothing.
The diagram of the steps is report.mmd, beside this file.
"""

from __future__ import annotations

import html
import logging
import unicodedata

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot import callbacks
from bot.context import PinganContext
from bot.deeplinks import report_payload, start_link
from bot.i18n import _, ngettext
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.intake import Answer, AnswerType, Outcome, Problem, Step
from bot.services.reports import CaseClosed, RateLimited, SubmittedReport
from handlers import case_actions, case_card
from handlers.report_prompts import FAMILY, problem_text, step_prompts
from storage.models import Draft

logger = logging.getLogger(__name__)

# Steps whose question comes with a reply keyboard (share location / phone) to take away after.
_REPLY_KEYBOARD_STEPS = {Step.LOCATING, Step.SHARING_CONTACT}


# --- entry points ----------------------------------------------------------------------------

async def report_command(update: Update, context: PinganContext) -> None:
    """/report: in a group, a button to continue privately; in private, the first question."""
    chat = update.effective_chat
    if chat.type != ChatType.PRIVATE:
        await link_from_group(update, context)
        return
    await begin(context, update.effective_user.id, origin_group_id=None)


async def link_from_group(update: Update, context: PinganContext) -> None:
    """One short message with a deep link that carries which group the person came from."""
    chat = update.effective_chat
    group = await context.services.groups.seen(chat.id, chat.title or "", chat.type)
    link = start_link(context.bot.username, report_payload(group.ref))
    await update.effective_message.reply_text(
        _("To report something, tap the button: we continue in a private chat, so nobody's details "
          "appear in this group."),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(_("Report privately"), url=link)]]),
    )


async def begin_from_link(update: Update, context: PinganContext, group_ref: str | None) -> None:
    """/start rep_<group>: a report that remembers the group it came from."""
    group = await context.services.groups.by_ref(group_ref) if group_ref else None
    await begin(context, update.effective_user.id, origin_group_id=group.id if group else None)


async def begin(context: PinganContext, user_id: int, *, origin_group_id: int | None,
                kind: str | None = None, replace: bool = False) -> None:
    """Starts a report, or offers to resume the one in progress."""
    intake = context.services.intake
    existing = await intake.draft(user_id)
    if existing is not None and existing.dialogue == "report" and not replace:
        started = existing.started_at.astimezone(context.services.config.tzinfo).strftime("%H:%M")
        origin = existing.origin_group_id if origin_group_id is None else origin_group_id
        await context.bot.send_message(
            user_id,
            _("You have an unfinished report, started at {time}. Continue it, or start again?").format(time=started),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Continue"), callback_data=callbacks.pack(FAMILY, "resume")),
                InlineKeyboardButton(_("Start again"), callback_data=callbacks.pack(FAMILY, "restart", origin or 0)),
            ]]),
        )
        return
    try:
        await context.services.reports.check_rate(user_id)
    except RateLimited as limited:
        await context.bot.send_message(user_id, rate_limited_text(context, limited.limit))
        return
    draft = await intake.start_report(user_id, origin_group_id, kind)
    await send_step(context, user_id, draft)


def rate_limited_text(context: PinganContext, limit: int) -> str:
    police = context.services.config.emergency.numbers.get("police", "110")
    return ngettext(
        "You have already sent {limit} report in the last hour. Please wait a little before sending another. "
        "If something dangerous is happening, call {police} now.",
        "You have already sent {limit} reports in the last hour. Please wait a little before sending another. "
        "If something dangerous is happening, call {police} now.",
        limit,
    ).format(limit=limit, police=police)


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: drops the report or addition in progress and says what became of it."""
    await _strip_buttons(context, draft.user_id, draft)
    await update.effective_message.reply_text(await end_report(context, draft), reply_markup=ReplyKeyboardRemove())


async def end_report(context: PinganContext, draft: Draft) -> str:
    """Drops the person's dialogue and says what became of it. An urgent report whose case staff
    already have is not dropped: the case keeps what the person had told us."""
    closed = await context.services.reports.close_unfinished(draft)
    if closed is None:
        await context.services.intake.discard(draft.user_id)
        return _("Cancelled. Nothing was sent.")
    case, media = closed
    await case_card.post_case_card(context, case, media)
    return _("Stopped. Your urgent report {ref} had already reached the duty officers, so it stays with them "
             "with what you told us. Send /myreports to follow it or to add to it.").format(ref=case.ref)


# --- asking ----------------------------------------------------------------------------------

async def send_step(context: PinganContext, chat_id: int, draft: Draft, *, note: str | None = None) -> Draft:
    """Asks the draft's current step (a fresh message; the previous question's buttons go away)."""
    services = context.services
    await _strip_buttons(context, chat_id, draft)
    duplicates = []
    if draft.state == Step.REVIEWING:
        duplicates = await services.reports.possible_duplicates(draft)
    prompts = step_prompts(
        draft, services.config.reports, today=services.intake.today(),
        prefers_anonymous=await services.intake.prefers_anonymous(draft.user_id), duplicates=duplicates,
    )
    question_id = None
    for index, prompt in enumerate(prompts):
        text = prompt.text
        if note and index == 0:
            text = f"{html.escape(note) if prompt.html else note}\n\n{text}"
        message = await context.bot.send_message(
            chat_id, text, reply_markup=prompt.markup, parse_mode=ParseMode.HTML if prompt.html else None
        )
        if prompt.is_question:
            question_id = message.message_id
    return await services.intake.remember_prompt(draft, question_id)


async def _strip_buttons(context: PinganContext, chat_id: int, draft: Draft | None) -> None:
    if draft is None or draft.prompt_message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, draft.prompt_message_id, reply_markup=None)
    except BadRequest:  # already without buttons, or too old to edit: nothing to tidy
        pass


# --- answers by message ----------------------------------------------------------------------

def answer_from(message: Message) -> Answer:
    """What a message offers as an answer, whatever the step."""
    if message.text:
        return Answer.text(message.text)
    if message.voice:
        return Answer(AnswerType.VOICE, message.voice.file_id)
    if message.photo:
        return Answer(AnswerType.PHOTO, message.photo[-1].file_id, media_group_id=message.media_group_id)
    if message.location:
        return Answer(AnswerType.LOCATION, latitude=message.location.latitude,
                      longitude=message.location.longitude)
    if message.contact:
        return Answer(AnswerType.CONTACT, message.contact.phone_number,
                      contact_user_id=message.contact.user_id)
    return Answer(AnswerType.OTHER)


async def _typed_button(context: PinganContext, draft: Draft, answer: Answer) -> Answer:
    """Text that is the label of one of the step's answer buttons (someone typed "昨天" instead of
    tapping it) counts as the tap."""
    services = context.services
    prompts = step_prompts(draft, services.config.reports, today=services.intake.today(),
                           prefers_anonymous=await services.intake.prefers_anonymous(draft.user_id))
    typed = _label_key(answer.value)
    for prompt in prompts:
        if not isinstance(prompt.markup, InlineKeyboardMarkup):
            continue
        for button in (b for row in prompt.markup.inline_keyboard for b in row):
            pressed = callbacks.parse(button.callback_data, FAMILY)
            if (pressed is not None and pressed.action == "a" and len(pressed.args) == 2
                    and pressed.args[0] == draft.state and _label_key(button.text) == typed):
                return Answer.choice(pressed.args[1])
    return answer


def _label_key(text: str) -> str:
    """A label as people type it: no emoji or punctuation, no case, full-width forms folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """Takes a private message as the answer to the person's report or addition (always: a wrong
    kind of answer is explained and the same question asked again)."""
    user_id = update.effective_user.id
    answer = answer_from(update.effective_message)
    if draft.dialogue == DialogueName.ADDITION:
        await take_addition(update, context, draft, answer)
        return True
    if answer.type is AnswerType.TEXT:
        answer = await _typed_button(context, draft, answer)
    outcome = await context.services.intake.answer(draft, answer)
    if outcome.problem is Problem.TEXT_TOO_LONG:
        # Their words back, to copy and shorten, rather than lost.
        await context.bot.send_message(user_id, _("Your text, to copy and shorten:"))
        await context.bot.send_message(user_id, answer.value)
    await follow_up(context, user_id, draft, outcome)
    return True


async def follow_up(context: PinganContext, chat_id: int, before: Draft, outcome: Outcome) -> None:
    """Says what an answer led to: the next question, a correction, an emergency."""
    settings = context.services.config.reports
    draft = outcome.draft
    if Step(before.state) is Step.ADDING_PHOTOS and (outcome.photos_added or outcome.photos_refused):
        await _photo_progress(context, chat_id, draft, outcome)
        return
    if outcome.problem is not None:
        await send_step(context, chat_id, draft, note=problem_text(outcome.problem, settings, outcome.extra))
        return
    if not outcome.advanced:  # e.g. a toggle: show the same question with its new state
        await _refresh_question(context, chat_id, draft)
        return
    if Step(before.state) in _REPLY_KEYBOARD_STEPS:
        await context.bot.send_message(chat_id, _("Thank you, noted."), reply_markup=ReplyKeyboardRemove())
    if outcome.urgent_now and draft.case_id is None:
        draft = await _raise_emergency(context, chat_id, draft)
    await send_step(context, chat_id, draft)


async def _photo_progress(context: PinganContext, chat_id: int, draft: Draft, outcome: Outcome) -> None:
    """One acknowledgement per album: later photos of the same album update it in place."""
    settings = context.services.config.reports
    note = problem_text(outcome.problem, settings, outcome.extra) if outcome.problem else None
    if outcome.same_album and draft.prompt_message_id is not None:
        prompt = step_prompts(draft, settings, today=context.services.intake.today(), prefers_anonymous=False)[0]
        text = f"{note}\n\n{prompt.text}" if note else prompt.text
        try:
            await context.bot.edit_message_text(text, chat_id, draft.prompt_message_id, reply_markup=prompt.markup)
        except BadRequest as exc:  # "message is not modified": the count did not change
            logger.debug("photo progress not edited: %s", exc)
        return
    await send_step(context, chat_id, draft, note=note)


async def _refresh_question(context: PinganContext, chat_id: int, draft: Draft) -> None:
    services = context.services
    prompt = step_prompts(draft, services.config.reports, today=services.intake.today(), prefers_anonymous=False)[-1]
    try:
        await context.bot.edit_message_text(prompt.text, chat_id, draft.prompt_message_id, reply_markup=prompt.markup)
    except BadRequest as exc:  # a repeated tap that changed nothing visible
        logger.debug("question not refreshed: %s", exc)


async def _raise_emergency(context: PinganContext, chat_id: int, draft: Draft) -> Draft:
    """Emergency numbers to the person at once; a red case and an alert to the staff chat."""
    services = context.services
    category = services.config.reports.incident_category(draft.data["category"])
    numbers = services.config.emergency.numbers
    services_needed = category.emergency if category else ["police"]
    names = {"police": _("police"), "fire": _("fire"), "ambulance": _("ambulance")}
    lines = [f"📞 {numbers[s]} — {names[s]}" for s in services_needed if s in numbers]
    await context.bot.send_message(
        chat_id,
        "\n".join([
            _("If anyone is in danger, call now:"), *lines, "",
            _("I have alerted the duty officers. Please keep answering below: every detail helps them."),
        ]),
    )
    case = await services.reports.open_emergency_case(draft, language=context.locale)
    await case_card.post_case_card(context, case)
    await case_actions.alert_leadership(context, case)
    return await services.intake.draft(draft.user_id) or draft


# --- answers by button -----------------------------------------------------------------------

async def on_button(update: Update, context: PinganContext) -> None:
    """Every button of the dialogue. Stale buttons (an earlier question) change nothing."""
    query = update.callback_query
    pressed = callbacks.parse(query.data, FAMILY)
    user_id = update.effective_user.id
    chat_id = update.effective_chat.id
    if pressed is None:
        await query.answer(_("This button has expired. Please send /report again."), show_alert=True)
        return
    intake = context.services.intake
    action, args = pressed.action, pressed.args
    if action == "new":
        await query.answer()
        await begin(context, user_id, origin_group_id=None)
        return
    draft = await intake.draft(user_id)
    if action == "restart":
        origin = int(args[0]) if args and args[0].isdigit() and args[0] != "0" else None
        await _strip_buttons_of(context, query)
        await query.answer()
        if draft is not None:
            ended = await end_report(context, draft)
            if draft.case_id is not None:  # the urgent case stays: say so before starting again
                await context.bot.send_message(chat_id, ended)
        await begin(context, user_id, origin_group_id=origin, replace=True)
        return
    if draft is None:
        await _strip_buttons_of(context, query)
        await query.answer(_("This report is no longer open. Send /report to start a new one."), show_alert=True)
        return
    if action == "resume":
        await _strip_buttons_of(context, query)
        draft = await intake.touch(draft)
        await send_step(context, chat_id, draft)
        await query.answer()
        return
    if action in ("cancel", "discard"):
        await _strip_buttons(context, chat_id, draft)
        await _strip_buttons_of(context, query)
        await context.bot.send_message(chat_id, await end_report(context, draft), reply_markup=ReplyKeyboardRemove())
        await query.answer()
        return
    if query.message is None or query.message.message_id != draft.prompt_message_id:
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    if action == "adddone" and draft.dialogue == "addition":
        await intake.discard(user_id)
        await _strip_buttons_of(context, query)
        await context.bot.send_message(chat_id, _("Thank you. Staff will see what you added."))
        await query.answer()
        return
    step_arg = Step(args[0]) if args and args[0] in Step._value2member_map_ else None
    if action in ("a", "back") and step_arg != Step(draft.state):
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    if action == "a":
        outcome = await intake.answer(draft, Answer.choice(args[1] if len(args) > 1 else ""))
        await follow_up(context, chat_id, draft, outcome)
    elif action == "back":
        outcome = await intake.back(draft)
        if outcome.problem is Problem.FIRST_STEP:
            await query.answer(_("This is the first question."))
            return
        if Step(draft.state) in _REPLY_KEYBOARD_STEPS and Step(outcome.draft.state) not in _REPLY_KEYBOARD_STEPS:
            # The location / phone keyboard belongs to the step left behind.
            await context.bot.send_message(chat_id, _("Back to the previous question."),
                                           reply_markup=ReplyKeyboardRemove())
        await send_step(context, chat_id, outcome.draft)
    elif action == "edit" and step_arg is not None:
        outcome = await intake.edit(draft, step_arg)
        await send_step(context, chat_id, outcome.draft,
                        note=problem_text(outcome.problem, context.services.config.reports, {})
                        if outcome.problem else None)
    elif action in ("submit", "join", "separate") and draft.state == Step.REVIEWING:
        case_id = int(args[0]) if args and args[0].isdigit() else None
        await submit(context, chat_id, draft, join_case_id=case_id if action == "join" else None,
                     separate_from=case_id if action == "separate" else None)
    else:
        await query.answer(_("This button has expired. Please send /report again."), show_alert=True)
        return
    await query.answer()


async def _strip_buttons_of(context: PinganContext, query) -> None:
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest:
        pass


# --- submitting ------------------------------------------------------------------------------

async def submit(context: PinganContext, chat_id: int, draft: Draft, *, join_case_id: int | None = None,
                 separate_from: int | None = None) -> None:
    services = context.services
    try:
        result = await services.reports.submit(draft, context.locale, join_case_id=join_case_id,
                                               separate_from_case_id=separate_from)
    except RateLimited as limited:
        await context.bot.send_message(chat_id, rate_limited_text(context, limited.limit) + "\n\n" +
                                       _("Your report is kept: send /report later to send it."))
        return
    except CaseClosed:
        # The case closed while they were deciding: theirs becomes a case of its own.
        result = await services.reports.submit(draft, context.locale, separate_from_case_id=join_case_id)
    await _strip_buttons(context, chat_id, draft)
    await context.bot.send_message(chat_id, confirmation_text(context, result))
    if result.joined_existing:
        await case_card.post_addition(context, result.case, draft.user_id, result.media,
                                      text=draft.data.get("description", ""), joined=True)
    else:
        await case_card.post_case_card(context, result.case, result.media)


def confirmation_text(context: PinganContext, result: SubmittedReport) -> str:
    case = result.case
    if result.joined_existing:
        return _("Thank you. Your information has been added to report {ref}, which staff are already "
                 "handling. You can follow it with /myreports.").format(ref=case.ref)
    first = context.services.config.reports.first_response
    minutes = (first.emergency_minutes if case.emergency else
               first.dispute_minutes if case.kind == "dispute" else first.incident_minutes)
    who = _("a mediator") if case.kind == "dispute" else _("a community officer")
    return "\n\n".join([
        _("Thank you. Your report has been received.\nReference: {ref}").format(ref=case.ref),
        _("What happens next: {who} will look at it within {time} and may contact you. You will get a "
          "message here when something changes.").format(who=who, time=duration_text(minutes)),
        _("Send /myreports to see your reports or to add information."),
    ])


def duration_text(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("{n} day", "{n} days", days).format(n=days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


# --- adding information to a submitted case --------------------------------------------------

async def take_addition(update: Update, context: PinganContext, draft: Draft, answer: Answer) -> None:
    outcome = await context.services.intake.answer(draft, answer)
    chat_id = update.effective_chat.id
    if outcome.problem is not None:
        await send_step(context, chat_id, draft,
                        note=problem_text(outcome.problem, context.services.config.reports, outcome.extra))
        return
    media_type = {AnswerType.PHOTO: "photo", AnswerType.VOICE: "voice"}.get(answer.type)
    try:
        addition = await context.services.reports.add_information(
            draft.case_id, draft.user_id, text=answer.value if answer.type is AnswerType.TEXT else "",
            media_type=media_type, file_id=answer.value if media_type else None,
        )
    except (NotAllowed, CaseClosed):
        await context.services.intake.discard(draft.user_id)
        await update.effective_message.reply_text(_("This report is closed, so information can no longer be "
                                                    "added. Send /report to make a new one."))
        return
    case = await context.services.reports.case(draft.case_id)
    media = [m for m in await context.services.reports.media_of(case.id) if m.addition_id == addition.id]
    await case_card.post_addition(context, case, draft.user_id, media, text=addition.text, joined=False)
    await case_actions.notify_owner_of_information(context, case.id, draft.user_id, addition.text)
    await send_step(context, chat_id, draft, note=_("Added to {ref}.").format(ref=case.ref))


# --- the dialogue sweep's hooks (handlers/private.py) -------------------------------------------

async def expired(context: PinganContext, draft: Draft) -> None:
    """A report left past its time is gone; an urgent one's case keeps what it held, and the
    person is told."""
    closed = await context.services.reports.close_unfinished(draft)
    if closed is None:
        return
    case, media = closed
    await case_card.post_case_card(context, case, media)
    text = _("We stopped asking about your urgent report {ref}: it is with the duty officers, with what "
             "you had told us. Send /myreports to follow it or to add to it.").format(ref=case.ref)
    try:
        await context.bot.send_message(draft.user_id, text, reply_markup=ReplyKeyboardRemove())
    except TelegramError as exc:
        logger.info("could not tell user %s their urgent report was kept: %s", draft.user_id, exc)


async def remind(context: PinganContext, draft: Draft) -> None:
    """One reminder for a report left idle."""
    text = _("You have an unfinished report. Would you like to continue it? It is kept for {hours} "
             "hours.").format(hours=context.services.config.reports.draft_ttl_hours)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Continue"), callback_data=callbacks.pack(FAMILY, "resume")),
        InlineKeyboardButton(_("Discard it"), callback_data=callbacks.pack(FAMILY, "discard")),
    ]])
    try:
        await context.bot.send_message(draft.user_id, text, reply_markup=markup)
    except TelegramError as exc:
        logger.info("could not remind user %s of their draft: %s", draft.user_id, exc)
