"""The one error handler: log it (never the token), apologise to the user, never a traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot.context import PinganContext
from bot.i18n import N_, current_locale

logger = logging.getLogger("pingan.errors")

SORRY = N_(
    "Sorry, something went wrong on our side. Nothing you entered is lost: "
    "please try again in a moment."
)


async def on_error(update: object, context: PinganContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, RetryAfter):
        # A chat over Telegram's limit (a group flooded with commands): the reply is dropped, and an
        # apology to the same chat would be too. Nothing the person entered is lost.
        logger.info("update %s: reply dropped, its chat is over Telegram's limit (%s)", update_id, context.error)
        return
    logger.error("update %s raised %s", update_id, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, Forbidden):
        return
    # The error context is new, but the guard's locale for this update is still current.
    text = SORRY.in_locale(current_locale.get())
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as exc:  # the apology itself failed: the log line above is what remains
        logger.warning("could not tell the user about error in update %s: %s", update_id, exc)
