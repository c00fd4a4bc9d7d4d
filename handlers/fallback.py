"""What the bot says when nothing else handled a message or a button."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import PinganContext
from bot.i18n import _
from handlers.report_prompts import ReportStartButton
from handlers.scam_check import CheckButton


async def unknown_command(update: Update, context: PinganContext) -> None:
    """Private chat: a command we do not have."""
    command = (update.effective_message.text or "").split()[0].split("@")[0][:32]
    await update.effective_message.reply_text(
        html.escape(_("I don't know the command {command}. Send /help to see what you can do.").format(command=command))
    )


async def unexpected_message(update: Update, context: PinganContext) -> None:
    """Private chat: text, a sticker, a photo … when no question is waiting for an answer. Someone
    who simply writes down their problem is offered the report (or the scam check) at once."""
    if update.effective_message.text:
        text = _("Would you like to tell the community police about this? Tap “Report an incident or a dispute” "
                 "and I will ask a few short questions; nothing you write here goes anywhere else. Is it a "
                 "message you received? Tap “Check a message” to see whether it looks like a scam.")
    else:
        text = _("I'm not sure what to do with this message. Send /help to see what you can do.")
    await update.effective_message.reply_text(html.escape(text), reply_markup=report_or_check_buttons())


def report_or_check_buttons() -> InlineKeyboardMarkup:
    """What most people come for: report something, or check a message they received."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(_("📝 Report an incident or a dispute"), callback_data=ReportStartButton("new").pack())],
        [InlineKeyboardButton(_("🛡 Is this a scam? Check a message"), callback_data=CheckButton("start").pack())],
    ])


async def expired_button(update: Update, context: PinganContext) -> None:
    """Any button no handler recognised: old, from another version, or forged."""
    await update.callback_query.answer(
        _("This button has expired. Please send the command again."), show_alert=True
    )
