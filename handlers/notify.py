"""Messages to someone other than the caller, in *their* language."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import choose_locale

logger = logging.getLogger(__name__)


async def locale_of(context: PinganContext, user_id: int) -> str:
    person = await context.services.people.person(user_id)
    return choose_locale(
        person.language if person else None,
        person.telegram_language if person else None,
        context.services.config.default_language,
    )


async def tell_person(context: PinganContext, user_id: int, render: Callable[[str], str]) -> bool:
    """Sends `render(locale)` to the person privately; False if Telegram refused (e.g. blocked)."""
    text = render(await locale_of(context, user_id))
    try:
        await context.bot.send_message(user_id, text)
    except TelegramError as exc:
        logger.info("could not message user %s: %s", user_id, exc)
        return False
    return True
