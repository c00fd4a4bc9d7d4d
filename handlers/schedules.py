"""/schedules: the notice schedules with their next runs, and pause / resume / delete (delete asks
first). Officers and administrators only; every press is re-checked by the service."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.notice_jobs import arm
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from handlers import schedule_dialogue
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
    """Lists the schedules with their next three runs; `/schedules pause|resume|delete <id>` act on one."""
    if await refuse_unless_manager(update, context):
        return
    args = context.args or []
    if len(args) == 1 and args[0].lower() == "add":
        await schedule_dialogue.start_add(update, context)
        return
    if len(args) == 2 and args[0].lower() in ACTIONS:
        text = await _act(context, args[0].lower(), args[1])
        await update.effective_message.reply_text(html.escape(text))
        return
    await update.effective_message.reply_text(**await _listing(context))


async def _listing(context: PinganContext) -> dict:
    schedules = await context.services.notices.schedules()
    if schedules:
        heading = ngettext("Notice schedules ({count}):", "Notice schedules ({count}):", len(schedules))
        lines = [html.escape(heading.format(count=len(schedules)))]
    else:
        lines = [html.escape(_("There are no notice schedules yet."))]
    rows = []
    for schedule in schedules:
        lines += ["", _schedule_block(context, schedule)]
        if schedule.paused:
            toggle = InlineKeyboardButton(_("Resume {id}").format(id=schedule.id),
                                          callback_data=ScheduleButton("resume", schedule.id).pack())
        else:
            toggle = InlineKeyboardButton(_("Pause {id}").format(id=schedule.id),
                                          callback_data=ScheduleButton("pause", schedule.id).pack())
        rows.append([toggle, InlineKeyboardButton(_("Delete {id}").format(id=schedule.id),
                                                  callback_data=ScheduleButton("delask", schedule.id).pack())])
    rows.append([InlineKeyboardButton(_("Add a schedule"), callback_data=start_button())])
    return {"text": "\n".join(lines), "reply_markup": InlineKeyboardMarkup(rows)}


def _schedule_block(context: PinganContext, schedule: NoticeSchedule) -> str:
    runs = [] if schedule.paused else context.services.notices.next_runs(schedule, 3)
    heading = html.escape(_("{id} — {state}, {source}")).format(
        id=f"<b>{html.escape(schedule.id)}</b>",
        state=html.escape(label(SCHEDULE_STATE_LABELS, schedule.paused)),
        source=html.escape(label(SCHEDULE_SOURCE_LABELS, schedule.source)))
    return "\n".join([heading, content_line(context, schedule.content),
                      *schedule_lines(schedule.cron, schedule.timezone, schedule.targets, runs)])


async def _act(context: PinganContext, action: str, schedule_id: str) -> str:
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
        return _("There is no schedule {id}.").format(id=schedule_id[:32])
    if action == "delete":
        return _("Schedule {id} deleted.").format(id=schedule_id)
    if action == "pause":
        return _("Schedule {id} paused.").format(id=schedule_id)
    return _("Schedule {id} resumed: it runs again from now on.").format(id=schedule_id)


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
    if pressed.action == "delask":
        await query.edit_message_text(
            html.escape(_("Delete the schedule {id}? Notices already sent stay sent.").format(id=pressed.schedule_id)),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Yes, delete it"),
                                     callback_data=ScheduleButton("delete", pressed.schedule_id).pack()),
                InlineKeyboardButton(_("Cancel"), callback_data=ScheduleButton("keep", pressed.schedule_id).pack()),
            ]]))
        await query.answer()
        return
    if pressed.action == "keep":
        await query.edit_message_text(**await _listing(context))
        await query.answer()
        return
    text = await _act(context, pressed.action, pressed.schedule_id)
    await query.edit_message_text(**await _listing(context))
    await query.answer(text)
