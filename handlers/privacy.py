"""/privacy: what Pingan stores, who sees it, and how to ask for erasure."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, gettext_in

logger = logging.getLogger(__name__)


class PrivacyButton(CallbackData, prefix="priv"):
    """The erasure request (`erase`)."""

    action: str


def privacy_text() -> str:
    """What Pingan stores and why, who sees it, how to ask for erasure (HTML)."""
    return html.escape("\n\n".join([
        _("Your privacy in Pingan"),
        _(
            "What we store: your Telegram id, name, username and language; what you choose to tell us "
            "in a report (text, photos, voice notes, place and time); your phone number only if you "
            "share it; and a record of what staff did with your case."
        ),
        _(
            "Why: so that community police and mediators can handle your report, keep you informed "
            "and follow up with you afterwards."
        ),
        _(
            "Who sees it: only the officers and mediators who handle your case. Nothing you send me in "
            "a private chat is posted in a group. Your phone number is hidden from the staff chat and "
            "every look at it is recorded."
        ),
        _(
            "Erasure: you may ask for your data to be deleted. Press the button below (in a private chat) "
            "and an administrator will handle your request and tell you when it is done. Data that the "
            "law requires the police to keep for an open case is kept until the case is closed."
        ),
    ]))


async def show_privacy(update: Update, context: PinganContext) -> None:
    """Explains data handling; in private, offers the erasure request button."""
    private = update.effective_chat.type == ChatType.PRIVATE
    markup = None
    if private:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            _("Ask for my data to be erased"), callback_data=PrivacyButton("erase").pack()
        )]])
    await update.effective_message.reply_text(privacy_text(), reply_markup=markup)


async def request_erasure(update: Update, context: PinganContext) -> None:
    """Records the request, tells the staff chat, and confirms to the person."""
    query = update.callback_query
    pressed = PrivacyButton.parse(query.data)
    if pressed is None or pressed.action != "erase":
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    user = update.effective_user
    services = context.services
    await services.people.record_erasure_request(user.id)
    staff_chat = services.config.staff_chat_id
    if staff_chat is not None:
        note = gettext_in(services.config.default_language,
                          "Data erasure request from user {user_id} ({name}). Please handle it and reply to them.")
        try:
            await context.bot.send_message(staff_chat, html.escape(note).format(
                user_id=user.id, name=html.escape(user.first_name or "")))
        except TelegramError as exc:
            logger.warning("could not post an erasure request to the staff chat: %s", exc)
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(html.escape(
        _("Your request is recorded. An administrator will contact you here when it has been handled.")))
    await query.answer()
