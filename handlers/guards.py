"""Runs first for every update: who is calling, and in which language to answer."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import PinganContext
from bot.i18n import choose_locale, current_locale


async def identify_caller(update: Update, context: PinganContext) -> None:
    """Loads (or records) the caller and sets the locale for everything this update says."""
    user = update.effective_user
    chat = update.effective_chat
    people = context.services.people
    in_private = chat is not None and chat.type == ChatType.PRIVATE
    if user is not None and not user.is_bot:
        if in_private or update.callback_query is not None:
            # Someone talking to the bot directly: keep their profile fresh.
            context.person = await people.register_contact(
                user.id, user.first_name, user.username, user.language_code
            )
        else:
            # In groups we only read: members who never talk to the bot are not recorded.
            context.person = await people.person(user.id)
    default = context.services.config.default_language
    if in_private or chat is None:
        stored = context.person.language if context.person else None
        context.locale = choose_locale(stored, user.language_code if user else None, default)
    else:
        # A group reads one language: its own (set with /setup), else the deployment default.
        group = await context.services.groups.by_chat_id(chat.id)
        context.locale = group.language if group is not None and group.language else default
    current_locale.set(context.locale)


async def ignore_edited_command(update: Update, context: PinganContext) -> None:
    """An edit of a message that was a command: nothing runs again."""
    raise ApplicationHandlerStop
