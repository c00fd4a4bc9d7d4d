"""The answer to a group's "type the area" prompt (sent from its settings panel in private): a
Telegram Reply to the prompt, or text typed without Reply soon after it. The prompts are stored,
so a restart in between loses nothing."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import PinganContext
from bot.i18n import _
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from handlers.group_panel import panel
from storage.models import Group


async def area_reply(update: Update, context: PinganContext) -> bool:
    """A private Reply to an area prompt sets that group's area; False for any other message."""
    message = update.effective_message
    reply_to = message.reply_to_message
    if reply_to is None or not message.text or not may_manage_groups(context.roles):
        return False
    try:
        group = await context.services.groups.area_answered(
            message.chat_id, reply_to.message_id, update.effective_user.id, context.roles, message.text)
    except NotAllowed:
        return False
    if group is None:
        return False
    await _area_set(update, context, group)
    return True


async def area_typed(update: Update, context: PinganContext) -> bool:
    """Text typed (without Reply) soon after an area prompt: that group's area. False if no
    prompt waits (the message is then someone else's business)."""
    message = update.effective_message
    if not message.text or not may_manage_groups(context.roles):
        return False
    try:
        group = await context.services.groups.area_typed(message.chat_id, update.effective_user.id, context.roles,
                                                         message.text)
    except NotAllowed:
        return False
    if group is None:
        return False
    await _area_set(update, context, group)
    return True


async def _area_set(update: Update, context: PinganContext, group: Group) -> None:
    """Says so, then shows the group's panel again."""
    message = update.effective_message
    await message.reply_text(html.escape(_("Area set to “{area}”.").format(area=group.area or _("not set"))))
    await message.reply_text(**panel(group, context))
