"""Runs first for every update: who is calling, and in which language to answer. Also the checks a
button handler makes on the message pressed."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
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


def pressed_in_own_private_chat(query: CallbackQuery) -> bool:
    """The press came on a message in the presser's own private chat with the bot: one made for them.
    A button meant for that chat, forged onto a group's alert or a case card, must change nothing."""
    message = query.message
    return message is not None and message.chat.type == ChatType.PRIVATE and message.chat.id == query.from_user.id


async def edit_pressed(query: CallbackQuery, text: str, **kwargs) -> None:
    """Rewrites the pressed message. A double tap's second edit changes nothing, and Telegram says
    "message is not modified": that is the result wanted, not an error."""
    try:
        await query.edit_message_text(text, **kwargs)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
