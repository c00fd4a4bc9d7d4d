"""The parties' side of the meeting (issue 17): each picks one of the times the mediator proposed,
or asks for another; the time both picked is confirmed to all three with its place. Reminders go
out the day before and an hour before (`mediation:meetings` job), and once it has begun the
mediator records who came."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _
from bot.services.errors import NotAllowed
from bot.services.mediation import Side
from bot.services.mediation_meetings import Picked, Reminder, RoundClosed
from handlers.dialogue import strip_buttons
from handlers.mediation_buttons import panel_markup
from handlers.mediation_labels import slot_text
from handlers.mediation_notify import send
from handlers.notify import person_name
from storage.mediation import Mediation
from storage.mediation_meetings import Meeting

logger = logging.getLogger(__name__)


class PickButton(CallbackData, prefix="medm"):
    """A party's answer to a round of times: `slot_id` 0 means "none of these suit me"."""

    mediation_id: int
    round: int
    slot_id: int


class AttendanceButton(CallbackData, prefix="meda"):
    """The mediator's record of who came to a meeting."""

    meeting_id: int
    reporter_came: bool
    other_came: bool


async def offer_times(context: PinganContext, mediation: Mediation) -> None:
    """The round's times to each party as buttons, with "none of these suit me"."""
    case = await context.services.mediation.case_of(mediation)
    slots = await context.services.meetings.slots(mediation)

    def markup() -> InlineKeyboardMarkup:
        rows = [[InlineKeyboardButton(slot_text(context, slot), callback_data=PickButton(
            mediation.id, mediation.meeting_round, slot.id).pack())] for slot in slots]
        rows.append([InlineKeyboardButton(_("None of these suit me"), callback_data=PickButton(
            mediation.id, mediation.meeting_round, 0).pack())])
        return InlineKeyboardMarkup(rows)

    for user_id in (await context.services.mediation.parties(mediation)).values():
        await send(context, user_id, lambda: _(
            "The mediator suggests these times to meet about {ref}. Please tap the one that suits you.").format(
            ref=case.ref), markup)


async def on_pick(update: Update, context: PinganContext) -> None:
    """A party's pick, re-checked: only the two parties, only in the round now open."""
    query = update.callback_query
    pressed = PickButton.parse(query.data)
    if pressed is None:
        await query.answer(_("This button has expired."), show_alert=True)
        return
    try:
        picked = await context.services.meetings.pick(pressed.mediation_id, pressed.round, update.effective_user.id,
                                                      pressed.slot_id or None)
    except NotAllowed:
        await query.answer(_("Sorry, this button is not for you."), show_alert=True)
        return
    except RoundClosed:
        await query.answer(_("These times are no longer open. Please use the latest message."), show_alert=True)
        return
    await query.answer()
    await strip_buttons(context, update.effective_chat.id, query.message.message_id if query.message else None)
    await _after_pick(context, update.effective_user.id, picked)


async def _after_pick(context: PinganContext, user_id: int, picked: Picked) -> None:
    mediation = picked.mediation
    case = await context.services.mediation.case_of(mediation)
    if picked.meeting is not None:
        await confirm_meeting(context, mediation, picked.meeting)
        return
    if picked.wants_another:
        await send(context, user_id, lambda: _("Thank you. I have asked the mediator for other times."))
        name = await person_name(context, user_id)
        side = picked.side
        await send(context, mediation.mediator_id, lambda: (
            _("{name} (the reporter) asks for other times for {ref}.") if side is Side.REPORTER
            else _("{name} (the other party) asks for other times for {ref}.")).format(name=name, ref=case.ref),
            lambda: panel_markup(mediation.id))
        return
    await send(context, user_id, lambda: _("Thank you. I will tell you when the time is agreed."))
    if picked.differ:
        await send(context, mediation.mediator_id, lambda: _(
            "The parties chose different times for {ref}. Please propose new times.").format(ref=case.ref),
            lambda: panel_markup(mediation.id))


async def confirm_meeting(context: PinganContext, mediation: Mediation, meeting: Meeting) -> None:
    """The agreed time and place, to the mediator and both parties."""
    case = await context.services.mediation.case_of(mediation)
    slot = await context.services.meetings.slot(meeting.slot_id)
    people = [mediation.mediator_id, *(await context.services.mediation.parties(mediation)).values()]
    for user_id in people:
        await send(context, user_id, lambda: _(
            "The meeting about {ref} is agreed: {when}. I will remind you the day before and an hour before.").format(
            ref=case.ref, when=slot_text(context, slot)))


async def meeting_jobs(context: PinganContext) -> None:
    """Job: reminders the day before and an hour before; once begun, who came (each once)."""
    for due in await context.services.meetings.due():
        try:
            await _remind(context, due)
        except Exception:  # noqa: BLE001 - one meeting's failure must not stop the others' reminders
            logger.exception("mediation meeting %s: %s", due.meeting.id, due.kind)


async def _remind(context: PinganContext, due: Reminder) -> None:
    mediation, slot = due.mediation, due.slot
    case = await context.services.mediation.case_of(mediation)
    if due.kind == "attendance":
        await send(context, mediation.mediator_id, lambda: _(
            "The meeting about {ref} was at {when}. Who came?").format(ref=case.ref, when=slot_text(context, slot)),
            lambda: attendance_markup(due.meeting.id))
        return
    people = [mediation.mediator_id, *(await context.services.mediation.parties(mediation)).values()]
    for user_id in people:
        if due.kind == "day":
            await send(context, user_id, lambda: _("Reminder: the meeting about {ref} is tomorrow: {when}.").format(
                ref=case.ref, when=slot_text(context, slot)))
        else:
            await send(context, user_id, lambda: _("Reminder: the meeting about {ref} is in an hour: {when}.").format(
                ref=case.ref, when=slot_text(context, slot)))


def attendance_markup(meeting_id: int) -> InlineKeyboardMarkup:
    """Both came, one of them did not, or neither."""
    choices = [(_("✅ Both came"), True, True), (_("The reporter did not come"), False, True),
               (_("The other party did not come"), True, False), (_("Neither came"), False, False)]
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=AttendanceButton(
        meeting_id, reporter, other).pack())] for label, reporter, other in choices])


async def on_attendance(update: Update, context: PinganContext) -> None:
    """The mediator records who came (re-checked: the mediator only)."""
    query = update.callback_query
    pressed = AttendanceButton.parse(query.data)
    if pressed is None:
        await query.answer(_("This button has expired."), show_alert=True)
        return
    try:
        mediation = await context.services.meetings.record_attendance(
            pressed.meeting_id, update.effective_user.id, pressed.reporter_came, pressed.other_came)
    except NotAllowed:
        await query.answer(_("Sorry, only the mediator can do this."), show_alert=True)
        return
    await query.answer()
    await strip_buttons(context, update.effective_chat.id, query.message.message_id if query.message else None)
    await send(context, update.effective_user.id, lambda: _("Noted. What next?"), lambda: panel_markup(mediation.id))
