"""Residents' tips on an urgent alert: the "I have information" button under an alert opens a
private session (/start alr_<ref>) in which whatever the resident sends goes to the officer in
charge, and to the staff chat without who sent it. A dialogue of one state on the kernel
(handlers/dialogue.py), drawn in alert_tips.mmd.
"""

from __future__ import annotations

import html
import logging
from enum import StrEnum
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, gettext_in
from bot.services.alerts import AlertClosed, kind_label
from bot.services.dialogues import DialogueName
from handlers.dialogue import Dialogue, Prompt, strip_buttons
from handlers.notify import locale_of
from storage.models import Alert, AlertTip, Draft

logger = logging.getLogger(__name__)


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    SENDING_TIP = "tip"


class TipButton(CallbackData, prefix="alrt"):
    """The resident's Done under the session."""

    action: str


def _no_longer_current_text() -> str:
    return _("Thank you, but this alert is no longer current. If you want to report something, send /report.")


def _thanks_text() -> str:
    return _("Thank you for helping. If you remember anything else, tap the button under the alert again.")


async def begin_tip(update: Update, context: PinganContext, ref: str) -> None:
    """/start alr_<ref>: opens the session on a current alert."""
    user_id = update.effective_user.id
    try:
        _alert, draft = await context.services.alerts.tips.start(user_id, ref, State.SENDING_TIP)
    except AlertClosed:
        await update.effective_message.reply_text(html.escape(_no_longer_current_text()))
        return
    await DIALOGUE.ask(context, user_id, draft)


async def ask_for_information(context: PinganContext, draft: Draft) -> list[Prompt]:
    """What to send and where it goes (with the location and contact keyboard), then Done."""
    alert = await context.services.alerts.tips.alert_of(draft)
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(_("📍 Share my location"), request_location=True),
                                     KeyboardButton(_("📞 Share my contact"), request_contact=True)]],
                                   resize_keyboard=True, one_time_keyboard=False)
    intro = _("Thank you for helping with the alert: {kind}. Send what you know: a message, photos, a location, or "
              "your contact if the officer may call you. It goes privately to the officer in charge and never to "
              "the group.").format(kind=kind_label(alert.kind if alert else "other"))
    done = InlineKeyboardMarkup([[InlineKeyboardButton(_("Done"), callback_data=TipButton("done").pack())]])
    return [Prompt(html.escape(intro), keyboard, is_question=False),
            Prompt(html.escape(_("Tap Done when you have finished.")), done)]


async def take_tip(update: Update, context: PinganContext, draft: Draft) -> None:
    """Stores what the resident sent and relays it to the officer in charge."""
    message = update.effective_message
    if message.text:
        kind, content = "text", {"text": message.text[:4000]}
    elif message.photo:
        kind, content = "photo", {"file_id": message.photo[-1].file_id, "text": message.caption or ""}
    elif message.location:
        kind, content = "location", {"latitude": message.location.latitude, "longitude": message.location.longitude}
    elif message.contact:
        kind, content = "contact", {"phone": message.contact.phone_number}
    else:
        await message.reply_text(html.escape(_("Please send a message, a photo, a location or your contact.")))
        return
    try:
        alert, tip = await context.services.alerts.tips.add(draft, kind, **content)
    except AlertClosed:
        await message.reply_text(html.escape(_no_longer_current_text()), reply_markup=ReplyKeyboardRemove())
        return
    await relay_tip(context, alert, tip, update.effective_user)
    await message.reply_text(html.escape(_("Thank you. The officer in charge has received it. You can send more, "
                                           "or tap Done.")))


async def relay_tip(context: PinganContext, alert: Alert, tip: AlertTip, user: User) -> None:
    """To the issuing officer with who sent it; to the staff chat without."""
    who = user.full_name + (f" (@{user.username})" if user.username else "") + f" · id {user.id}"
    targets = [(alert.officer_id, await locale_of(context, alert.officer_id), True)]
    staff_chat = context.services.config.staff_chat_id
    if staff_chat is not None:
        targets.append((staff_chat, context.services.config.default_language, False))
    for chat_id, locale, identified in targets:
        kind = kind_label(alert.kind, locale)
        if identified:
            header = gettext_in(locale, "💡 Information on your alert {ref} ({kind}) from {who}:").format(
                ref=alert.ref, kind=kind, who=who)
        else:
            header = gettext_in(locale, "💡 Information on alert {ref} ({kind}) from a resident "
                                        "(the officer in charge knows who):").format(ref=alert.ref, kind=kind)
        try:
            await _send_tip(context, chat_id, locale, html.escape(header), tip, identified)
        except TelegramError as exc:
            logger.warning("tip %s for alert %s not relayed to %s: %s", tip.id, alert.id, chat_id, exc)


async def _send_tip(context: PinganContext, chat_id: int, locale: str, header: str, tip: AlertTip,
                    identified: bool) -> None:
    """One tip under its header (HTML); a phone number only to the officer in charge."""
    bot = context.bot
    if tip.kind == "text":
        await bot.send_message(chat_id, f"{header}\n\n{html.escape(tip.text)}")
    elif tip.kind == "photo":
        caption = f"{header}\n\n{html.escape(tip.text)}" if tip.text else header
        await bot.send_photo(chat_id, tip.file_id, caption=caption[:1024])
    elif tip.kind == "location":
        await bot.send_message(chat_id, header)
        await bot.send_location(chat_id, tip.latitude, tip.longitude)
    elif identified:
        phone = gettext_in(locale, "Phone: {phone}").format(phone=tip.phone or "")
        await bot.send_message(chat_id, f"{header}\n\n{html.escape(phone)}")
    else:
        shared = gettext_in(locale, "The resident shared their phone number with the officer in charge.")
        await bot.send_message(chat_id, f"{header}\n\n{html.escape(shared)}")


async def on_button(update: Update, context: PinganContext) -> None:
    """Done under the session."""
    pressed = TipButton.parse(update.callback_query.data)
    if pressed is None or pressed.action != "done":
        await update.callback_query.answer(_("This button has expired. Please tap the button under the alert "
                                             "again."), show_alert=True)
        return
    await finish(update, context)


async def finish(update: Update, context: PinganContext) -> None:
    """Done: the session ends with a thank-you, and the location and contact keyboard goes away."""
    query = update.callback_query
    user_id = update.effective_user.id
    await strip_buttons(context, user_id, query.message.message_id if query.message else None)
    await context.services.alerts.tips.end(user_id)
    await context.bot.send_message(user_id, html.escape(_thanks_text()), reply_markup=ReplyKeyboardRemove())
    await query.answer()


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """A private message during the session: a tip for the officer (always taken)."""
    step = DIALOGUE.step_for(draft)
    if step is None:  # a state this version does not know: the session just ends
        await context.services.alerts.tips.end(draft.user_id)
        return False
    await step(update, context, draft)
    return True


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: the session ends."""
    await context.services.alerts.tips.end(draft.user_id)
    await strip_buttons(context, draft.user_id, draft.prompt_message_id)
    await update.effective_message.reply_text(
        html.escape(_("Thank you. You can tap the button under the alert again at any time.")),
        reply_markup=ReplyKeyboardRemove())


async def expired(context: PinganContext, draft: Draft) -> None:
    """Sweep: a day without a tip ends the session; a quiet thank-you takes the keyboard away."""
    await strip_buttons(context, draft.user_id, draft.prompt_message_id)
    await context.bot.send_message(draft.user_id, html.escape(_thanks_text()), reply_markup=ReplyKeyboardRemove(),
                                   disable_notification=True)


DIALOGUE = Dialogue(
    name=DialogueName.TIP, states=State,
    steps={State.SENDING_TIP: take_tip},
    prompts={State.SENDING_TIP: ask_for_information},
    diagram=Path(__file__).with_suffix(".mmd"),
)
