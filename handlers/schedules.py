"""/schedules: the notice schedules with their next runs, and pause / resume / delete (delete asks
first) / try (handlers/schedule_try.py). Officers and administrators only; every press is
re-checked by the service."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.notice_jobs import arm
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from handlers import schedule_dialogue, schedule_try
from handlers.labels import SCHEDULE_SOURCE_LABELS, SCHEDULE_STATE_LABELS, label
from handlers.schedule_common import content_line, refuse_unless_manager, schedule_lines
from handlers.schedule_prompts import start_button
from storage.models import NoticeSchedule

#: What a command or a button does to one schedule.
ACTIONS = ("pause", "resume", "delete")


class ScheduleButton(CallbackData, prefix="sch"):
    """A button on the /schedules list: `delask` asks before `delete`, `keep` goes back."""

    action: str
    schedule_id: str


async def list_schedules(update: Update, context: PinganContext) -> None:
    """Lists the schedules with their next three runs; `/schedules pause|resume|delete <number>`
    act on one (the number in the list; a schedule's id from the config file works too)."""
    if await refuse_unless_manager(update, context):
        return
    args = context.args or []
    if len(args) == 1 and args[0].lower() == "add":
        await schedule_dialogue.start_add(update, context)
        return
    if len(args) == 2 and args[0].lower() in ACTIONS:
        schedules = await context.services.notices.schedules()
        chosen = _named(schedules, args[1])
        if chosen is None:
            text = _("There is no schedule {number}. Send /schedules to see the list.").format(number=args[1][:32])
        else:
            text = await _act(context, args[0].lower(), chosen.id, _number_of(schedules, chosen.id))
        await update.effective_message.reply_text(html.escape(text))
        return
    await update.effective_message.reply_text(**await _listing(context))


def _named(schedules: list[NoticeSchedule], typed: str) -> NoticeSchedule | None:
    """The schedule a typed number (its place in the list) or id names."""
    if typed.isdigit() and 1 <= int(typed) <= len(schedules):
        return schedules[int(typed) - 1]
    return next((schedule for schedule in schedules if schedule.id == typed), None)


def _number_of(schedules: list[NoticeSchedule], schedule_id: str) -> int:
    """A schedule's number in the list, as officers see it (0 if it is gone)."""
    return next((number for number, s in enumerate(schedules, 1) if s.id == schedule_id), 0)


async def _listing(context: PinganContext) -> dict:
    schedules = await context.services.notices.schedules()
    if schedules:
        heading = ngettext("Notice schedules ({count}):", "Notice schedules ({count}):", len(schedules))
        lines = [html.escape(heading.format(count=len(schedules)))]
    else:
        lines = [html.escape(_("There are no notice schedules yet."))]
    rows = []
    for number, schedule in enumerate(schedules, 1):
        lines += ["", _schedule_block(context, number, schedule)]
        if schedule.paused:
            toggle = InlineKeyboardButton(_("▶️ Resume {number}").format(number=number),
                                          callback_data=ScheduleButton("resume", schedule.id).pack())
        else:
            toggle = InlineKeyboardButton(_("⏸ Pause {number}").format(number=number),
                                          callback_data=ScheduleButton("pause", schedule.id).pack())
        rows.append([toggle, schedule_try.try_button(number, schedule.id),
                     InlineKeyboardButton(_("🗑 Delete {number}").format(number=number),
                                          callback_data=ScheduleButton("delask", schedule.id).pack())])
    rows.append([InlineKeyboardButton(_("Add a schedule"), callback_data=start_button())])
    return {"text": "\n".join(lines), "reply_markup": InlineKeyboardMarkup(rows)}


def _schedule_block(context: PinganContext, number: int, schedule: NoticeSchedule) -> str:
    """One schedule in words: what it sends, its state, when, to whom, its next runs."""
    runs = [] if schedule.paused else context.services.notices.next_runs(schedule, 3)
    heading = f"<b>{number}.</b> {content_line(context, schedule.content)}"
    state = html.escape(_("{state}, {source}").format(state=label(SCHEDULE_STATE_LABELS, schedule.paused),
                                                     source=label(SCHEDULE_SOURCE_LABELS, schedule.source)))
    return "\n".join([heading, state, *schedule_lines(schedule.cron, schedule.timezone, schedule.targets, runs)])


async def _act(context: PinganContext, action: str, schedule_id: str, number: int) -> str:
    """Pauses, resumes or deletes one schedule and re-arms the timer; says what became of it (plain text)."""
    notices = context.services.notices
    actor_id = context.person.user_id if context.person else None  # for the audit trail
    try:
        if action == "delete":
            done = await notices.delete_schedule(context.roles, schedule_id, actor_id=actor_id)
        else:
            done = await notices.set_paused(context.roles, schedule_id, action == "pause", actor_id=actor_id)
    except NotAllowed:
        return _("Sorry, you are not allowed to do this.")
    await arm(context.application)
    if not done:
        return _("That schedule is no longer there. Send /schedules to see the list.")
    if action == "delete":
        return _("Schedule {number} deleted.").format(number=number)
    if action == "pause":
        return _("Schedule {number} paused.").format(number=number)
    return _("Schedule {number} resumed: it runs again from now on.").format(number=number)


async def schedule_pressed(update: Update, context: PinganContext) -> None:
    """Pause / resume / delete from the list (delete asks first). Roles re-checked by the service."""
    query = update.callback_query
    pressed = ScheduleButton.parse(query.data)
    if pressed is None or pressed.action not in (*ACTIONS, "delask", "keep"):
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not may_manage_groups(context.roles):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    schedules = await context.services.notices.schedules()
    number = _number_of(schedules, pressed.schedule_id)
    if pressed.action == "delask" and number:
        chosen = schedules[number - 1]
        question = html.escape(_("Delete schedule {number}? Notices already sent stay sent.").format(number=number))
        await query.edit_message_text(
            "\n".join([question, content_line(context, chosen.content),
                       *schedule_lines(chosen.cron, chosen.timezone, chosen.targets, [])[:2]]),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Yes, delete it"),
                                     callback_data=ScheduleButton("delete", pressed.schedule_id).pack()),
                InlineKeyboardButton(_("No, keep it"),
                                     callback_data=ScheduleButton("keep", pressed.schedule_id).pack()),
            ]]))
        await query.answer()
        return
    if pressed.action in ("keep", "delask"):
        await query.edit_message_text(**await _listing(context))
        await query.answer()
        return
    text = await _act(context, pressed.action, pressed.schedule_id, number)
    await query.edit_message_text(**await _listing(context))
    await query.answer(text)


async def try_pressed(update: Update, context: PinganContext) -> None:
    """A Try press on the list (handlers/schedule_try.py), with the way back to the list."""
    back = [InlineKeyboardButton(_("Back to the list"), callback_data=ScheduleButton("keep", "list").pack())]
    await schedule_try.try_pressed(update, context, back)
