"""*Send now to one group*: from /schedules, a schedule's Try button, then a group from buttons;
the notice goes to that group at once, as it will on its runs (bot/services/notice_trials.py).
Officers and administrators only; every press is re-checked."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from handlers.guards import edit_pressed
from handlers.schedule_common import content_line

#: At most this many groups are offered as buttons.
OFFERED_GROUPS = 20


class TryButton(CallbackData, prefix="schtry"):
    """Try a schedule: without a group, the groups to choose from; with one, send to it now."""

    schedule_id: str
    group_id: int = 0


def try_button(number: int, schedule_id: str) -> InlineKeyboardButton:
    """The /schedules list's button that starts a try of one schedule."""
    return InlineKeyboardButton(_("📨 Try {number}").format(number=number),
                                callback_data=TryButton(schedule_id).pack())


async def try_pressed(update: Update, context: PinganContext, back: list[InlineKeyboardButton]) -> None:
    """A Try press: the group picker, or (a group chosen) the notice sent and the outcome shown.
    `back` is the button that returns to the list (drawn by handlers/schedules.py)."""
    query = update.callback_query
    pressed = TryButton.parse(query.data)
    if pressed is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not may_manage_groups(context.roles):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    schedule = await context.services.notices.schedule(pressed.schedule_id)
    if schedule is None:
        await query.answer(_("That schedule is no longer there. Send /schedules to see the list."), show_alert=True)
        return
    if not pressed.group_id:
        await _pick_group(update, context, schedule, back)
        return
    await _send_try(update, context, schedule, pressed.group_id, back)


async def _pick_group(update: Update, context: PinganContext, schedule, back: list[InlineKeyboardButton]) -> None:
    """Offers the groups the schedule reaches (or all active ones) as buttons."""
    query = update.callback_query
    groups = (await context.services.notice_trials.candidates(schedule))[:OFFERED_GROUPS]
    if not groups:
        await query.answer(_("Pingan is not in any group yet. Add the bot to a group, then send /setup there."),
                           show_alert=True)
        return
    rows = [[InlineKeyboardButton(group.title or str(group.chat_id),
                                  callback_data=TryButton(schedule.id, group.id).pack())] for group in groups]
    text = "\n".join([html.escape(_("Try this schedule: which group should get its notice now?")),
                      content_line(context, schedule.content)])
    await edit_pressed(query, text=text, reply_markup=InlineKeyboardMarkup([*rows, back]))
    await query.answer()


async def _send_try(update: Update, context: PinganContext, schedule, group_id: int,
                    back: list[InlineKeyboardButton]) -> None:
    """Sends the notice to the chosen group now and says it was a try."""
    query = update.callback_query
    actor_id = context.person.user_id if context.person else update.effective_user.id
    try:
        result = await context.services.notice_trials.send(actor_id, context.roles, schedule.id, group_id)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    if result is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    title = result.group.title or str(result.group.chat_id)
    if result.sent:
        text = _("Sent to “{title}” now, as a try. The schedule's own runs and its tip rotation are unchanged.")
    else:
        text = _("The try could not be sent to “{title}”. Please check that Pingan is still in the group.")
    await edit_pressed(query, text=html.escape(text.format(title=title)), reply_markup=InlineKeyboardMarkup([back]))
    await query.answer(_("Sent as a try.") if result.sent else None)
