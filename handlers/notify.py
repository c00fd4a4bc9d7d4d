"""Messages to someone other than the caller, in *their* language. Texts given here are plain:
they are escaped once, here, as they are sent (the application's parse mode is HTML)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import choose_locale, using_locale

logger = logging.getLogger(__name__)


async def locale_of(context: PinganContext, user_id: int) -> str:
    person = await context.services.people.person(user_id)
    return choose_locale(
        person.language if person else None,
        person.telegram_language if person else None,
        context.services.config.default_language,
    )


async def person_name(context: PinganContext, user_id: int | None) -> str:
    """Someone's first name as Pingan knows it, else their id (plain text)."""
    person = await context.services.people.person(user_id) if user_id else None
    return person.first_name if person and person.first_name else str(user_id)


async def tell_person(context: PinganContext, user_id: int, render: Callable[[str], str]) -> bool:
    """Sends `render(locale)` (plain text) to the person privately; False if Telegram refused
    (e.g. blocked)."""
    text = render(await locale_of(context, user_id))
    try:
        await context.bot.send_message(user_id, html.escape(text))
    except TelegramError as exc:
        logger.info("could not message user %s: %s", user_id, exc)
        return False
    return True


async def tell_each(context: PinganContext, user_ids: list[int], render: Callable[[], str]) -> None:
    """`render()` (plain text, using `_`) to each person privately, in their own language."""

    def in_locale(locale: str) -> str:
        with using_locale(locale):
            return render()

    for user_id in user_ids:
        await tell_person(context, user_id, in_locale)
