"""Telegram's command menus, per scope and language, from the one list in bot.commands."""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
)
from telegram.error import TelegramError
from telegram.ext import Application

from bot.commands import commands_for
from bot.context import PinganContext
from bot.i18n import SUPPORTED_LOCALES, choose_locale
from bot.roles import STAFF_ROLES, is_staff
from bot.services import Services
from storage.models import Role

logger = logging.getLogger(__name__)


def bot_commands(roles, *, private: bool, locale: str) -> list[BotCommand]:
    return [BotCommand(c.name, c.description.in_locale(locale)) for c in commands_for(roles, private=private)]


async def publish_menus(application: Application) -> None:
    """Sets every scope's menu in zh and en (and the deployment default for other languages)."""
    services: Services = application.bot_data["services"]
    everyone = {Role.RESIDENT}
    staff = set(STAFF_ROLES) | everyone
    scopes = [(BotCommandScopeAllPrivateChats(), everyone, True), (BotCommandScopeAllGroupChats(), everyone, False)]
    scopes += [(BotCommandScopeChatAdministrators(chat_id), staff, False)
               for chat_id in sorted(services.config.staff_chat_ids)]
    for language in ("", *SUPPORTED_LOCALES):
        locale = language or services.config.default_language
        for scope, roles, private in scopes:
            try:
                await application.bot.set_my_commands(
                    bot_commands(roles, private=private, locale=locale), scope=scope, language_code=language or None
                )
            except TelegramError as exc:  # e.g. the bot is not (yet) in the staff chat: the others still apply
                logger.warning("could not set the %s command menu (%s): %s", scope.type, language or "default", exc)
    for member in await services.people.staff_and_stewards():
        await _set_private_menu(application, services, member.user_id)


async def refresh_private_commands(context: PinganContext, user_id: int) -> None:
    """After a role or language change: that person's private menu shows what they may use."""
    await _set_private_menu(context.application, context.services, user_id)


async def _set_private_menu(application: Application, services: Services, user_id: int) -> None:
    person = await services.people.person(user_id)
    if person is None:
        return
    scope = BotCommandScopeChat(user_id)
    locale = choose_locale(person.language, person.telegram_language, services.config.default_language)
    try:
        if is_staff(person.roles) or len(person.roles) > 1 or person.language:
            await application.bot.set_my_commands(
                bot_commands(person.roles, private=True, locale=locale), scope=scope
            )
        else:
            # A plain resident with no saved language: the general menu applies.
            await application.bot.delete_my_commands(scope=scope)
    except TelegramError as exc:  # e.g. the person never opened a chat with the bot
        logger.info("could not set the command menu for user %s: %s", user_id, exc)
