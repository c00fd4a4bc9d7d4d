"""The bot's own membership of groups: recorded when it is added (and the group greeted once),
marked inactive when it is removed, followed when a group becomes a supergroup."""

from __future__ import annotations

import html
import logging

from telegram import ChatMember, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.context import PinganContext
from bot.deeplinks import report_payload, start_link
from bot.i18n import gettext_in
from handlers import person_membership
from handlers.case_card import LEVEL_LABELS
from handlers.labels import GROUP_KIND_LABELS
from storage.models import Group

logger = logging.getLogger(__name__)


async def bot_membership_changed(update: Update, context: PinganContext) -> None:
    """Records the group when the bot is added, greets it once; marks it inactive when removed. (In a
    private chat: handlers/person_membership.py.)"""
    change: ChatMemberUpdated = update.my_chat_member
    chat = change.chat
    if chat.type == ChatType.PRIVATE:  # a person blocked the bot, or came back
        await person_membership.private_chat_changed(update, context)
        return
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    member = change.new_chat_member
    status = member.status
    can_pin = bool(getattr(member, "can_pin_messages", False)) or status == ChatMember.OWNER
    membership = await context.services.groups.bot_status_changed(
        chat.id, chat.title or "", chat.type, status, can_pin, change.from_user.id if change.from_user else None
    )
    if membership.joined:
        await _greet(context, membership.group)


async def _greet(context: PinganContext, group: Group) -> None:
    """What the bot is for, in the group's language: the staff chat's work, or a residents' Report button."""
    locale = group.language or context.services.config.default_language
    levels = context.services.config.cases.levels
    level = next((name for name, chat in levels.items() if chat.chat_id == group.chat_id), None)
    if level is not None:
        text = gettext_in(
            locale,
            "Hello, I am Pingan. This chat handles cases at the {level} level (四事分办): a case set to this "
            "level, or raised to it, arrives here as a case card with its buttons. Residents' details stay "
            "behind a staff-only button. Useful here: /cases, /case, /find.",
        ).format(level=LEVEL_LABELS[level].in_locale(locale))
        markup = None
    elif context.services.groups.is_staff_group(group):
        text = gettext_in(
            locale,
            "Hello, I am Pingan. This is the staff chat: new reports arrive here as case cards, with buttons "
            "to accept, grade, assign and resolve them. Residents' details stay behind a staff-only button. "
            "Useful here: /cases, /case, /stats.",
        )
        markup = None
    elif group.kind is not None and group.area:
        # Declared in the config: already set up, so the admins are not asked to do it again.
        text = gettext_in(
            locale,
            "Hello, I am Pingan, the community safety assistant. I post patrol notices and anti-fraud tips "
            "here. To report a problem or a dispute, tap “Report” below: it opens a private chat with me, "
            "so nothing you report is shown in this group. This group is set up as a {kind} of {area}; "
            "group administrators can change that with /setup.",
        ).format(kind=GROUP_KIND_LABELS[group.kind].in_locale(locale), area=group.area)
        markup = _report_button(context, group, locale)
    else:
        text = gettext_in(
            locale,
            "Hello, I am Pingan, the community safety assistant. I post patrol notices and anti-fraud tips "
            "here. To report a problem or a dispute, tap “Report” below: it opens a private chat with me, "
            "so nothing you report is shown in this group. Group administrators: send /setup to tell me "
            "what kind of group this is, its area and its language.",
        )
        markup = _report_button(context, group, locale)
    try:
        await context.bot.send_message(group.chat_id, html.escape(text), reply_markup=markup)
    except TelegramError as exc:  # e.g. the group does not let the bot write
        logger.info("could not greet group %s: %s", group.chat_id, exc)


def _report_button(context: PinganContext, group: Group, locale: str) -> InlineKeyboardMarkup:
    """The residents' group's Report button: a link that opens the report in a private chat."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        gettext_in(locale, "Report"), url=start_link(context.bot.username, report_payload(group.ref)))]])


async def group_migrated(update: Update, context: PinganContext) -> None:
    """A basic group became a supergroup: the record follows the new chat id."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        await context.services.groups.migrated(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await context.services.groups.migrated(message.migrate_from_chat_id, message.chat.id)
