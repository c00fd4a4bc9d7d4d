"""Staff actions on a case card, /cases and /case, deadline alarms and the follow-up visit."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot import callbacks
from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.roles import is_staff
from bot.services.case_states import IllegalTransition
from bot.services.cases import GRADES, LEVELS, OUTCOMES, REJECTIONS, AlarmDue, CaseNotFound, Change
from bot.services.errors import NotAllowed
from handlers import case_card
from handlers.case_card import ACTION_LABELS, FAMILY, GRADE_LABELS, OUTCOME_LABELS
from handlers.notify import locale_of, tell_person
from storage.models import Case, Role

logger = logging.getLogger(__name__)
CASE_REF = re.compile(r"(?i)PA-\d{4}-\d{6}")
FOLLOWUP_FAMILY = "fu"


# --- the card's buttons ----------------------------------------------------------------------

async def on_button(update: Update, context: PinganContext) -> None:
    """Every card button. The callback data only names the case: the stored roles decide."""
    query = update.callback_query
    pressed = callbacks.parse(query.data, FAMILY)
    if pressed is None or not pressed.args or not pressed.args[0].isdigit():
        await query.answer(_("This button has expired."), show_alert=True)
        return
    if pressed.action == "contact":
        await case_card.show_contact(update, context)
        return
    case_id, arg = int(pressed.args[0]), (pressed.args[1] if len(pressed.args) > 1 else "")
    actor = update.effective_user.id
    # Pop-ups are read by the presser alone: their language. Cards and messages to others set
    # their own language explicitly.
    with using_locale(await locale_of(context, actor)):
        answer = await _act_politely(context, query, pressed.action, case_id, arg, actor)
    if answer is not None:
        await query.answer(answer, show_alert=True)
        return
    await query.answer()


async def _act_politely(context: PinganContext, query, action: str, case_id: int, arg: str, actor: int) -> str | None:
    """`_act`, with refusals turned into the pop-up text that explains them."""
    try:
        return await _act(context, query, action, case_id, arg, actor)
    except NotAllowed:
        return _("Sorry, you are not allowed to do this.")
    except IllegalTransition as illegal:
        return _("This case is {status} now, so that is not possible.").format(
            status=case_card.status_label(illegal.status))
    except (CaseNotFound, ValueError):
        return _("This button has expired.")


async def _act(context: PinganContext, query, action: str, case_id: int, arg: str, actor: int) -> str | None:
    """Does what was pressed; returns a pop-up text when the presser must be told something."""
    workflow = context.services.cases
    if action == "view":
        await workflow.history(case_id, actor)  # staff only, even to look at a picker
        await case_card.refresh_card(context, await workflow.case(case_id), also_message=query.message,
                                     view=arg if arg in ("main", "assign", "level", "resolve", "reject") else "main")
        return None
    if action == "accept":
        change = await workflow.accept(case_id, actor)
        if not change.changed:
            owner = await _name(context, change.case.owner_id)
            return _("Already accepted by {name}.").format(name=owner)
        await _after_change(context, query, change, reporter_event="accepted")
        return None
    if action == "grade" and arg in GRADES:
        change = await workflow.set_grade(case_id, actor, arg)
        if change.changed:
            await _after_change(context, query, change)
            await _route_grade(context, change.case)
        return None
    if action == "assignto" and arg.isdigit():
        change = await workflow.assign(case_id, actor, int(arg))
        if change.changed:
            await _after_change(context, query, change, reporter_event="in_progress")
            await _tell_new_owner(context, change.case, actor)
        return None
    if action == "levelto" and arg in LEVELS:
        change = await workflow.set_level(case_id, actor, arg)
        await _after_change(context, query, change)
        return None
    if action == "history":
        return await _send_history(context, case_id, actor)
    if action == "seen" and arg.isdigit():
        if await workflow.mark_seen(int(arg), actor):
            await query.edit_message_reply_markup(None)
        return None
    if action in ("note", "ask", "resolveto", "rejectto"):
        purpose = {"note": "note", "ask": "ask", "resolveto": "resolve", "rejectto": "reject"}[action]
        if purpose == "resolve" and arg not in OUTCOMES or purpose == "reject" and arg not in REJECTIONS:
            return _("This button has expired.")
        case = await workflow.await_text(case_id, actor, purpose, arg)
        if not await _ask_privately(context, actor, case, purpose):
            await workflow.drop_pending_text(actor)
            return _("Please open a private chat with me first (tap my name, then Start), and press again.")
        await case_card.refresh_card(context, case, also_message=query.message)
        return _("I have sent you a private message: write it there.")
    if action == "reopen":
        change = await workflow.reopen(case_id, actor, reason="staff")
        if change.changed:
            await _after_change(context, query, change, reporter_event="reopened")
        return None
    return _("This button has expired.")


async def _after_change(context: PinganContext, query, change: Change, *, reporter_event: str | None = None) -> None:
    await case_card.refresh_card(context, change.case, also_message=query.message if query else None)
    if change.changed and reporter_event:
        await tell_reporters(context, change.case, reporter_event)


async def _name(context: PinganContext, user_id: int | None) -> str:
    person = await context.services.people.person(user_id) if user_id else None
    return person.first_name if person and person.first_name else str(user_id)


async def _send_history(context: PinganContext, case_id: int, actor: int) -> str:
    """The whole timeline, as a private message to the presser (a pop-up holds 200 characters)."""
    workflow = context.services.cases
    entries = await workflow.history(case_id, actor)
    case = await workflow.case(case_id)
    tz = context.services.config.tzinfo
    lines = [_("History of {ref}:").format(ref=case.ref)]
    for entry in entries:
        who = await _name(context, entry.actor_id) if entry.actor_id else _("system")
        what = ACTION_LABELS[entry.action].translated() if entry.action in ACTION_LABELS else entry.action
        lines.append(f"{entry.at.astimezone(tz).strftime('%Y-%m-%d %H:%M')} · {who} · {what}")
    for note in await workflow.notes(case_id):
        lines.append(_("Note by {name}, {time}: {text}").format(
            name=await _name(context, note.author_id), time=note.created_at.astimezone(tz).strftime("%m-%d %H:%M"),
            text=note.text))
    try:
        await context.bot.send_message(actor, "\n".join(lines)[:4000])
    except Forbidden:
        return _("Please open a private chat with me first (tap my name, then Start), and press again.")
    return _("I have sent you the history privately.")


async def _ask_privately(context: PinganContext, actor: int, case: Case, purpose: str) -> bool:
    with using_locale(await locale_of(context, actor)):
        text = {
            "note": _("Write the internal note for {ref} (the reporter never sees notes). /cancel to stop."),
            "resolve": _("Write what was done for {ref}, in a few words: the reporter will read this. "
                         "/cancel to stop."),
            "reject": _("Write the reason for not taking up {ref}, politely: the reporter will read this. "
                        "/cancel to stop."),
            "ask": _("Write your question for the reporter of {ref}. It is passed on without your name. "
                     "/cancel to stop."),
        }[purpose].format(ref=case.ref)
    try:
        await context.bot.send_message(actor, text)
    except Forbidden:
        return False
    return True


async def cancel_pending_text(update: Update, context: PinganContext) -> bool:
    """/cancel while a card waits for a staff member's text: nothing changes. False if none waits."""
    user_id = update.effective_user.id
    if await context.services.cases.pending_text(user_id) is None:
        return False
    await context.services.cases.drop_pending_text(user_id)
    await update.effective_message.reply_text(_("Cancelled: nothing was changed."))
    return True


async def staff_text(update: Update, context: PinganContext) -> bool:
    """A staff member's private message that answers a card's request; False if none was pending."""
    actor = update.effective_user.id
    workflow = context.services.cases
    pending = await workflow.pending_text(actor)
    if pending is None:
        return False
    text = (update.effective_message.text or "").strip()
    if text == "/cancel":
        await workflow.drop_pending_text(actor)
        await update.effective_message.reply_text(_("Cancelled: nothing was changed."))
        return True
    if not text or len(text) > 1000:
        await update.effective_message.reply_text(_("Please write it as text, up to 1,000 characters."))
        return True
    try:
        result = await workflow.take_text(actor, text)
    except (NotAllowed, IllegalTransition):
        await update.effective_message.reply_text(_("That is no longer possible: the case has changed meanwhile."))
        return True
    _pending, change = result
    await case_card.refresh_card(context, change.case)
    if pending.purpose == "ask":
        await relay_question(context, change.case, actor, text)
    done = {"note": _("Note saved on {ref}."), "resolve": _("{ref} is resolved. The reporter has been told."),
            "reject": _("{ref} is closed as not taken up. The reporter has been told."),
            "ask": _("Your question was passed on to the reporter of {ref}. Their answer will come here.")
            }[pending.purpose]
    await update.effective_message.reply_text(done.format(ref=change.case.ref))
    if change.changed and pending.purpose in ("resolve", "reject"):
        await tell_reporters(context, change.case, "resolved" if pending.purpose == "resolve" else "rejected")
    return True


# --- asking the reporter ----------------------------------------------------------------------

async def relay_question(context: PinganContext, case: Case, asker: int, question: str) -> None:
    """The staff member's question, to each reporter, as a message they answer by replying."""
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            text = _("A question about your report {ref}:\n\n{question}\n\nPlease reply to this message to "
                     "answer.").format(ref=case.ref, question=question)
            markup = ForceReply(input_field_placeholder=_("Your answer"))
        try:
            sent = await context.bot.send_message(reporter.user_id, text, reply_markup=markup)
        except TelegramError as exc:
            logger.info("could not relay a question on %s to reporter %s: %s", case.ref, reporter.user_id, exc)
            continue
        await context.services.cases.record_question(case.id, asker, reporter.user_id, sent.message_id, question)


async def reporter_reply(update: Update, context: PinganContext, *, replied_to: int | None = None) -> bool:
    """A reporter's reply to a relayed question (back to the asker, and onto the case) or to the
    follow-up's comment prompt. False if the message replies to neither. `replied_to` stands for the
    message replied to when the person typed without using Reply (see `reporter_plain_answer`)."""
    message = update.effective_message
    if replied_to is None and message.reply_to_message is None:
        return False
    replied_to = replied_to if replied_to is not None else message.reply_to_message.message_id
    text = message.text or message.caption or ""
    if not text.strip():
        return False
    workflow = context.services.cases
    commented = await workflow.comment(update.effective_user.id, replied_to, text.strip())
    if commented is not None:
        await message.reply_text(_("Thank you for your comment."))
        return True
    result = await workflow.reporter_reply(update.effective_user.id, replied_to, text.strip())
    if result is None:
        return False
    case, asker, inbox_id = result
    await message.reply_text(_("Thank you, your answer has been passed on."))
    who = await _reporter_identity(context, case.id, update.effective_user.id)
    await _to_owner(context, case, asker, inbox_id, lambda: _("Answer from the reporter of {ref} ({who}):\n\n{text}")
                    .format(ref=case.ref, who=who, text=text.strip()))
    return True


async def reporter_plain_answer(update: Update, context: PinganContext) -> bool:
    """A message typed without Reply by someone staff are waiting on: the answer to their newest
    question (or the follow-up comment). False if nobody is waiting for this person."""
    waiting_on = await context.services.cases.awaiting_reply(update.effective_user.id)
    if waiting_on is None:
        return False
    return await reporter_reply(update, context, replied_to=waiting_on)


async def notify_owner_of_information(context: PinganContext, case_id: int, reporter_id: int, text: str) -> None:
    """New information from a reporter reaches the case's owner privately, with a Seen button."""
    result = await context.services.cases.new_information(case_id, text)
    if result is None:
        return
    case, inbox_id = result
    who = await _reporter_identity(context, case.id, reporter_id)
    await _to_owner(context, case, case.owner_id, inbox_id, lambda: _(
        "New information from the reporter of {ref} ({who}):\n\n{text}").format(
        ref=case.ref, who=who, text=text or _("(a photo or a voice message)")))


async def _reporter_identity(context: PinganContext, case_id: int, reporter_id: int) -> str:
    """Shown to the owner only. An anonymous reporter stays anonymous even to them."""
    for reporter in await context.services.reports.reporters(case_id):
        if reporter.user_id == reporter_id:
            if reporter.anonymous:
                return _("anonymous")
            person = await context.services.people.person(reporter_id)
            name = person.first_name if person else str(reporter_id)
            return ", ".join(filter(None, [name, reporter.phone]))
    return str(reporter_id)


async def _to_owner(context: PinganContext, case: Case, owner_id: int, inbox_id: int,
                    render: Callable[[], str]) -> None:
    with using_locale(await locale_of(context, owner_id)):
        text = render()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            _("✓ Seen"), callback_data=callbacks.pack(FAMILY, "seen", case.id, inbox_id))]])
    try:
        await context.bot.send_message(owner_id, text, reply_markup=markup)
    except TelegramError as exc:
        logger.info("could not pass a reporter's message on %s to %s: %s", case.ref, owner_id, exc)


# --- telling people --------------------------------------------------------------------------

REPORTER_TEXTS: dict[str, Callable[[Case], str]] = {
    "accepted": lambda case: _("Your report {ref} has been accepted by the community police.").format(ref=case.ref),
    "in_progress": lambda case: _("Someone is now handling your report {ref}.").format(ref=case.ref),
    "resolved": lambda case: _("Your report {ref} has been resolved: {note}").format(
        ref=case.ref, note=case.outcome_note or ""),
    "rejected": lambda case: _("We could not take up your report {ref}.\nReason: {note}\nThank you for telling us.")
    .format(ref=case.ref, note=case.outcome_note or ""),
    "reopened": lambda case: _("Your report {ref} has been reopened and is being looked at again.").format(
        ref=case.ref),
}


async def tell_reporters(context: PinganContext, case: Case, event: str) -> None:
    """A short message to each reporter, in their language, with the reference. Staff names only
    where the deployment allows it (cases.show_staff_names)."""
    handler = None
    if context.services.config.cases.show_staff_names and case.owner_id and event in ("accepted", "in_progress"):
        handler = await _name(context, case.owner_id)
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            text = REPORTER_TEXTS[event](case)
            if handler:
                text += "\n" + _("Handled by: {name}").format(name=handler)
        try:
            await context.bot.send_message(reporter.user_id, text)
        except TelegramError as exc:
            logger.info("could not tell reporter %s about %s: %s", reporter.user_id, case.ref, exc)


async def _tell_staff(context: PinganContext, user_ids: list[int], render: Callable[[], str]) -> None:
    """`render()` (which uses `_`) to each, in their own language."""

    def in_locale(locale: str) -> str:
        with using_locale(locale):
            return render()

    for user_id in user_ids:
        await tell_person(context, user_id, in_locale)


async def _tell_new_owner(context: PinganContext, case: Case, actor: int) -> None:
    if case.owner_id is None or case.owner_id == actor:
        return
    await _tell_staff(context, [case.owner_id],
                      lambda: _("Case {ref} has been assigned to you. Send /case {ref} to open it.").format(
                          ref=case.ref))


async def _route_grade(context: PinganContext, case: Case) -> None:
    """Red goes to the leadership at once; orange to the area's officers; yellow and green stay with
    the community team in the staff chat."""
    workflow = context.services.cases
    if case.grade == "red":
        recipients = await workflow.holders_of(Role.SUPERVISOR)
    elif case.grade == "orange":
        recipients = await workflow.officers_for(case.area)
    else:
        return
    await _tell_staff(context, recipients, lambda: _("Case {ref} was graded {grade}. Send /case {ref} to open it.")
                      .format(ref=case.ref, grade=GRADE_LABELS[case.grade].translated()))


async def alert_leadership(context: PinganContext, case: Case) -> None:
    """An emergency arrives red: the supervisors hear of it at once, not only the staff chat."""
    await _tell_staff(context, await context.services.cases.holders_of(Role.SUPERVISOR), lambda: _(
        "URGENT: {ref} is happening now and needs someone at once. /case {ref}").format(ref=case.ref))


# --- /cases and /case ------------------------------------------------------------------------

async def list_cases(update: Update, context: PinganContext) -> None:
    """/cases: my open cases, the overdue ones, and all open cases by grade."""
    actor = update.effective_user.id
    workflow = context.services.cases
    try:
        mine = await workflow.my_open_cases(actor)
    except NotAllowed:
        await update.effective_message.reply_text(_("Sorry, only staff can see cases."))
        return
    overdue = await workflow.overdue_cases(actor)
    everything = await workflow.open_cases(actor)

    def line(case: Case) -> str:
        icon = case_card.GRADE_ICONS.get(case.grade or "", "⚪")
        return f"{icon} /case_{case.ref.replace('-', '_')} · {case_card.status_label(case.status)}"

    sections = [(_("My open cases ({count}):"), mine), (_("Overdue ({count}):"), overdue),
                (_("All open cases, by grade ({count}):"), everything)]
    lines = []
    for title, cases in sections:
        lines += [title.format(count=len(cases)), *([line(c) for c in cases[:15]] or ["—"]), ""]
    await update.effective_message.reply_text("\n".join(lines).strip())


async def open_case(update: Update, context: PinganContext) -> None:
    """/case PA-2026-000123 (or /case_PA_2026_000123 from the list): the card, here."""
    message = update.effective_message
    command = (message.text or "").split()[0].split("@")[0]
    ref = command.removeprefix("/case_").replace("_", "-") if command.startswith("/case_") else " ".join(
        context.args or [])
    if not CASE_REF.fullmatch(ref.strip()):
        if ref.strip():
            await message.reply_text(_("“{text}” is not a case reference. References look like PA-2026-000123: "
                                       "/case PA-2026-000123.").format(text=ref.strip()[:40]))
        else:
            await message.reply_text(_("Please give a reference, for example /case PA-2026-000123."))
        return
    if not is_staff(context.roles):
        await message.reply_text(_("Sorry, only staff can see cases."))
        return
    case = await context.services.cases.by_ref(ref)
    if case is None:
        await message.reply_text(_("There is no case {ref}.").format(ref=ref.upper()))
        return
    await case_card.send_card(context, message.chat_id, case)


# --- alarms: reminders, escalation, follow-up visits -----------------------------------------

async def process_alarms(context: PinganContext) -> None:
    """Job: sends each due reminder, escalation and follow-up question once."""
    for due in await context.services.cases.due_alarms():
        try:
            await _deliver(context, due)
        except TelegramError:
            logger.exception("could not deliver %s/%s for case %s", due.alarm.kind, due.alarm.stage, due.case.ref)


async def _deliver(context: PinganContext, due: AlarmDue) -> None:
    case, alarm = due.case, due.alarm
    workflow = context.services.cases
    staff_chat = context.services.config.staff_chat_id
    kind, stage = alarm.kind, alarm.stage
    if kind == "followup_ask":
        await ask_followup(context, case)
        followup = await workflow.followup(case.id)
        if followup is not None and followup.spot_check:
            await _tell_staff(context, await workflow.holders_of(Role.SUPERVISOR), lambda: _(
                "Spot check: {ref} was resolved ({outcome}). Please check the conflict has not come back. "
                "/case {ref}").format(ref=case.ref, outcome=_outcome_label(case)))
        return
    if kind == "followup_expire":
        await case_card.refresh_card(context, case)
        return
    if kind == "unread":
        recipients = [case.owner_id] if case.owner_id is not None else []
        await _tell_staff(context, recipients, lambda: _(
            "Still unread: the reporter of {ref} wrote to you. Please read it and tap Seen. /case {ref}").format(
            ref=case.ref))
        return
    if stage == "remind":
        def render() -> str:
            what = _("accepted") if kind == "accept" else _("resolved")
            return _("Reminder: {ref} must be {what} by {time}.").format(
                ref=case.ref, what=what, time=_due_text(context, case, kind))

        if kind == "resolve" and case.owner_id is not None:
            await _tell_staff(context, [case.owner_id], render)
        elif staff_chat is not None:
            with using_locale(context.services.config.default_language):
                await context.bot.send_message(staff_chat, render())
        return
    recipients = await workflow.holders_of(Role.SUPERVISOR if stage == "overdue" else Role.ADMIN)
    await _tell_staff(context, recipients, lambda: _("Overdue: {ref} was not {what} in time. /case {ref}").format(
        ref=case.ref, what=_("accepted") if kind == "accept" else _("resolved")))
    await case_card.refresh_card(context, case)


def _outcome_label(case: Case) -> str:
    return OUTCOME_LABELS[case.outcome].translated() if case.outcome in OUTCOME_LABELS else (case.outcome or "")


def _due_text(context: PinganContext, case: Case, kind: str) -> str:
    due = case.accept_due if kind == "accept" else case.resolve_due
    return due.astimezone(context.services.config.tzinfo).strftime("%m-%d %H:%M") if due else "?"


async def ask_followup(context: PinganContext, case: Case) -> None:
    """The follow-up visit: two questions, each answered with one tap and saved at once."""
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            solved = InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Yes, it is solved"),
                                     callback_data=callbacks.pack(FOLLOWUP_FAMILY, "solved", case.id, 1)),
                InlineKeyboardButton(_("No, not yet"),
                                     callback_data=callbacks.pack(FOLLOWUP_FAMILY, "solved", case.id, 0)),
            ]])
            stars = InlineKeyboardMarkup([[
                InlineKeyboardButton("⭐" * n, callback_data=callbacks.pack(FOLLOWUP_FAMILY, "stars", case.id, n))
                for n in range(1, 6)
            ]])
            question = _("A few days ago your report {ref} was resolved. Is the problem really solved?").format(
                ref=case.ref)
            rating = _("How satisfied are you with how it was handled? (1 to 5 stars)")
        try:
            await context.bot.send_message(reporter.user_id, question, reply_markup=solved)
            await context.bot.send_message(reporter.user_id, rating, reply_markup=stars)
        except TelegramError as exc:
            logger.info("could not ask reporter %s for the follow-up of %s: %s", reporter.user_id, case.ref, exc)


async def followup_button(update: Update, context: PinganContext) -> None:
    """A reporter's tap on a follow-up question: saved at once, no submit step."""
    query = update.callback_query
    pressed = callbacks.parse(query.data, FOLLOWUP_FAMILY)
    if (pressed is None or pressed.action not in ("solved", "stars") or len(pressed.args) != 2
            or not all(a.isdigit() for a in pressed.args)):
        await query.answer(_("This button has expired."), show_alert=True)
        return
    case_id, value = int(pressed.args[0]), int(pressed.args[1])
    workflow = context.services.cases
    user_id = update.effective_user.id
    try:
        if pressed.action == "solved":
            change = await workflow.answer_solved(case_id, user_id, bool(value))
            if not change.changed:
                await query.answer(_("Your answer was already saved. Thank you."))
                return
            await query.edit_message_reply_markup(None)
            if value:
                await query.message.reply_text(_("Thank you. We are glad it is solved."))
            else:
                await query.message.reply_text(_("Thank you for telling us. The case has been reopened and staff "
                                                 "will contact you."))
                await _reopened_by_reporter(context, change.case)
            await case_card.refresh_card(context, change.case)
        else:
            if not 1 <= value <= 5 or not await workflow.answer_stars(case_id, user_id, value):
                await query.answer(_("This button has expired."), show_alert=True)
                return
            await query.edit_message_reply_markup(None)
            prompt = await query.message.reply_text(
                _("Thank you for your rating: {stars}. If you like, reply to this message with a comment.").format(
                    stars="⭐" * value),
                reply_markup=ForceReply(input_field_placeholder=_("Your comment (optional)")),
            )
            await workflow.offer_comment(case_id, prompt.message_id)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    await query.answer()


async def _reopened_by_reporter(context: PinganContext, case: Case) -> None:
    recipients = {*(await context.services.cases.holders_of(Role.SUPERVISOR))}
    if case.owner_id is not None:
        recipients.add(case.owner_id)
    await _tell_staff(context, sorted(recipients), lambda: _(
        "The reporter says {ref} is not solved: the case has been reopened. /case {ref}").format(ref=case.ref))
