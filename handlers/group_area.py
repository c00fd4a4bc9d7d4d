"""A group's area given in words: the answer to a "type the area" prompt (sent from its settings
panel in private) — a Telegram Reply to the prompt, or text typed without Reply soon after it —
or `/setup area <name>` and `/groups area <ref> <name>`. A known area is set at once; a new one is
confirmed first (handlers/group_panel.py `area_confirmation`). The prompts and proposals are
stored, so a restart in between loses nothing."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import PinganContext
from bot.i18n import _
from bot.roles import may_manage_groups
from handlers.group_panel import area_confirmation, known_area, panel
from storage.models import Group


async def area_reply(update: Update, context: PinganContext) -> bool:
    """A private Reply to an area prompt gives that group's area; False for any other message."""
    message = update.effective_message
    reply_to = message.reply_to_message
    if reply_to is None or not message.text or not may_manage_groups(context.roles):
        return False
    group = await context.services.groups.answered_area_prompt(message.chat_id, reply_to.message_id,
                                                               update.effective_user.id)
    if group is None:
        return False
    await give_area(update, context, group, message.text, show_panel=True)
    return True


async def area_typed(update: Update, context: PinganContext) -> bool:
    """Text typed (without Reply) soon after an area prompt: that group's area. False if no
    prompt waits (the message is then someone else's business)."""
    message = update.effective_message
    if not message.text or not may_manage_groups(context.roles):
        return False
    group = await context.services.groups.typed_area_prompt(message.chat_id, update.effective_user.id)
    if group is None:
        return False
    await give_area(update, context, group, message.text, show_panel=True)
    return True


async def give_area(update: Update, context: PinganContext, group: Group, typed: str, *,
                    show_panel: bool = False, telegram_admin: bool = False) -> None:
    """Sets a known area (then shows the panel again if asked), or asks before creating a new one.
    The caller has checked that the person may change the group."""
    message = update.effective_message
    groups = context.services.groups
    actor_id = update.effective_user.id
    area = await known_area(context, typed)
    if area is None:
        proposal = await groups.propose_area(group.id, actor_id, context.roles, typed,
                                             telegram_admin=telegram_admin)
        await message.reply_text(**area_confirmation(group, typed.strip()[:64], proposal))
        return
    group = await groups.change(group.id, actor_id, context.roles, telegram_admin=telegram_admin, area=area)
    await message.reply_text(html.escape(_("Area set to “{area}”.").format(area=group.area or _("not set"))))
    if show_panel:
        await message.reply_text(**panel(group, context))
