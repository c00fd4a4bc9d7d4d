"""What the bot says when nothing else handled a message or a button."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import PinganContext
from bot.i18n import _


async def unknown_command(update: Update, context: PinganContext) -> None:
    """Private chat: a command we do not have."""
    command = (update.effective_message.text or "").split()[0].split("@")[0][:32]
    await update.effective_message.reply_text(
        html.escape(_("I don't know the command {command}. Send /help to see what you can do.").format(command=command))
    )


async def unexpected_message(update: Update, context: PinganContext) -> None:
    """Private chat: text, a sticker, a photo … when no question is waiting for an answer."""
    await update.effective_message.reply_text(
        html.escape(_("I'm not sure what to do with this message. Send /help to see what you can do."))
    )


async def expired_button(update: Update, context: PinganContext) -> None:
    """Any button no handler recognised: old, from another version, or forged."""
    await update.callback_query.answer(
        _("This button has expired. Please send the command again."), show_alert=True
    )
