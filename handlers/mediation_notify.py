"""Messages of mediation (issue 17) to someone other than the presser: the mediator, a party, the
reporter, each in their own language. Texts are plain and escaped once, here."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import using_locale
from handlers.notify import locale_of

logger = logging.getLogger(__name__)


async def send(context: PinganContext, user_id: int, render: Callable[[], str],
               markup: Callable[[], InlineKeyboardMarkup] | None = None) -> bool:
    """`render()` (plain text, using `_`) and its buttons (`markup()`, built in the same language) to
    the person privately; False if Telegram refused (they blocked the bot, or never started it)."""
    with using_locale(await locale_of(context, user_id)):
        text = render()
        buttons = markup() if markup is not None else None
    try:
        await context.bot.send_message(user_id, html.escape(text), reply_markup=buttons)
    except TelegramError as exc:
        logger.info("could not send a mediation message to %s: %s", user_id, exc)
        return False
    return True
