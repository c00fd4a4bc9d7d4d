"""/language: choose 中文 or English; stored per person."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import SUPPORTED_LOCALES, _, current_locale, normalise_language_code
from handlers.guards import edit_pressed, pressed_in_own_private_chat
from handlers.labels import LANGUAGE_NAMES
from handlers.menu import refresh_private_commands


class LanguageButton(CallbackData, prefix="lang"):
    """A language chosen: `set` and its code."""

    action: str
    code: str


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=LanguageButton("set", code).pack())
        for code in SUPPORTED_LOCALES
    ]])


async def ask_language(update: Update, context: PinganContext) -> None:
    """Shows the language buttons, or sets the language given as an argument."""
    message = update.effective_message
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(html.escape(_("Please choose your language in a private chat with me: send "
                                               "/language there.")))
        return
    if context.args:
        wanted = normalise_language_code(context.args[0])
        if wanted is not None and len(context.args) == 1:
            await _save_language(update, context, wanted)
            await message.reply_text(html.escape(language_saved_text()))
            return
        given = " ".join(context.args)[:40]
        await message.reply_text(
            html.escape(_("Sorry, I don't know the language “{given}”. Please pick one:").format(given=given)),
            reply_markup=language_keyboard(),
        )
        return
    await message.reply_text(
        html.escape(_("Your language is {language}. Choose the language Pingan speaks to you in:").format(
            language=LANGUAGE_NAMES[context.locale])),
        reply_markup=language_keyboard(),
    )


async def choose_language(update: Update, context: PinganContext) -> None:
    """Saves the language pressed and answers in it."""
    query = update.callback_query
    choice = LanguageButton.parse(query.data)
    if (choice is None or choice.action != "set" or choice.code not in SUPPORTED_LOCALES
            or not pressed_in_own_private_chat(query)):
        await query.answer(_("This button has expired. Please send /language again."), show_alert=True)
        return
    await _save_language(update, context, choice.code)
    await edit_pressed(query, html.escape(language_saved_text()))
    await query.answer(language_saved_text())


async def _save_language(update: Update, context: PinganContext, locale: str) -> None:
    user_id = update.effective_user.id
    await context.services.people.set_language(user_id, locale)
    context.locale = locale
    current_locale.set(locale)
    await refresh_private_commands(context, user_id)


def language_saved_text() -> str:
    """In the language just chosen (plain text: also a popup)."""
    return _("Done: I will speak English with you from now on.")
