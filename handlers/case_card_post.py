"""Posting the case card: a new case's card in its area's staff chat (then its photos and voice
notes under it), in its level's chat (四事分办), new information under it, and the private notice
of a sensitive case to those who may read its details."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.case_cards import LEVEL_CARD, STAFF_CARD
from bot.services.supervision import is_overdue
from handlers.case_card_markup import card_button, card_markup
from handlers.case_card_text import card_text
from handlers.case_privacy import sensitive_notice
from handlers.notify import locale_of
from handlers.report_labels import category_label
from storage.models import Case

logger = logging.getLogger(__name__)

#: Telegram's largest album.
ALBUM_SIZE = 10


async def staff_card_of(context: PinganContext, case: Case) -> tuple[int | None, int | None]:
    """The case's staff chat and its card there: where the card was posted, else where the case's
    area goes (no card yet). (None, None) when no staff chat is configured."""
    card = await context.services.cards.staff_card(case.id)
    if card is not None:
        return card.chat_id, card.message_id
    return staff_chat_of(context, None, case.area), None


def staff_chat_of(context: PinganContext, posted_in: int | None, area: str | None) -> int | None:
    """The staff chat of a case: the one its card was posted in, else the one its area goes to."""
    return posted_in if posted_in is not None else context.services.config.staff_chat_for(area)


async def post_case_card(context: PinganContext, case: Case, *, note: str = "") -> None:
    """Posts the card of a new case in its area's staff chat (or updates an urgent case's card once
    the report is complete), then its photos as an album and its voice notes, each in reply to the
    card. Each part is recorded once sent, so a retry sends only what is missing. `note` (plain
    text) ends the first message this posts: it says the message is sent again. Raises what
    Telegram raised: handlers/case_delivery.py keeps the card owed and tries again."""
    services = context.services
    staff_chat, card_id = await staff_card_of(context, case)
    case = await services.reports.case(case.id) or case
    sensitive = services.access.is_sensitive(case)
    with using_locale(services.config.default_language):
        text, markup = await card_text(context, case), card_markup(
            case, overdue=is_overdue(case, context.services.clock.now()))
    if card_id is not None:
        try:
            await context.bot.edit_message_text(text, staff_chat, card_id, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified": it shows this already
            logger.debug("card of %s not edited: %s", case.ref, exc)
    else:
        text = "\n\n".join(filter(None, [text, html.escape(note)]))
        message = await context.bot.send_message(staff_chat, text, reply_markup=markup)
        card_id, note = message.message_id, ""
        await services.cards.record(case.id, staff_chat, card_id, STAFF_CARD)
        if sensitive:
            await tell_detail_readers(context, case)
    # A sensitive case's photos and voice notes go only to those who may read its details; no
    # case's map pin goes to the staff chat (an exact place identifies the reporter).
    if not sensitive:
        await _send_card_media(context, case, staff_chat, card_id, note)


async def _send_card_media(context: PinganContext, case: Case, chat_id: int, card_id: int, note: str) -> None:
    """The report's photos (albums of up to 10) and voice notes under its card, those not sent yet;
    the first of them captioned with `note` (plain text) if there is one."""
    cards = context.services.cards
    sent = await cards.sent_items(case.id, chat_id)
    media = [m for m in await context.services.reports.media_of(case.id)
             if m.addition_id is None and f"media:{m.id}" not in sent]
    photos = [m for m in media if m.media_type == "photo"]
    for start in range(0, len(photos), ALBUM_SIZE):
        album = photos[start:start + ALBUM_SIZE]
        caption, note = html.escape(note) or None, ""
        if len(album) == 1:
            await context.bot.send_photo(chat_id, album[0].file_id, caption=caption, reply_to_message_id=card_id)
        else:
            items = [InputMediaPhoto(m.file_id, caption=caption if n == 0 else None) for n, m in enumerate(album)]
            await context.bot.send_media_group(chat_id, items, reply_to_message_id=card_id)
        for photo in album:
            await cards.record_sent_item(case.id, chat_id, f"media:{photo.id}")
    for voice in (m for m in media if m.media_type == "voice"):
        caption, note = html.escape(note) or None, ""
        await context.bot.send_voice(chat_id, voice.file_id, caption=caption, reply_to_message_id=card_id)
        await cards.record_sent_item(case.id, chat_id, f"media:{voice.id}")


async def post_level_card(context: PinganContext, case: Case) -> None:
    """Posts the card in the chat of the case's level (四事分办), once per chat."""
    services = context.services
    chat_id = services.config.cases.level_chat(case.level)
    if chat_id is None or await services.cards.in_chat(case.id, chat_id) is not None:
        return
    with using_locale(services.config.default_language):
        text, markup = await card_text(context, case), card_markup(
            case, overdue=is_overdue(case, services.clock.now()))
    try:
        message = await context.bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError:
        logger.exception("could not post the card of %s to the %s chat", case.ref, case.level)
        return
    await services.cards.record(case.id, chat_id, message.message_id, LEVEL_CARD)


async def tell_detail_readers(context: PinganContext, case: Case) -> None:
    """A sensitive case's details stay out of the staff chat: its area's supervisors (and owner) are
    told privately, with a Full report button that only they can use (each read is audited)."""
    services = context.services
    settings = services.config.reports
    for reader in await services.access.detail_readers(case):
        with using_locale(await locale_of(context, reader)):
            text = sensitive_notice(case.ref, category_label(settings, case.kind, case.category),
                                    case.area or _("not known"))
            markup = InlineKeyboardMarkup([[card_button(_("📄 Full report"), "full", case)]])
        try:
            await context.bot.send_message(reader, html.escape(text), reply_markup=markup)
        except TelegramError as exc:
            logger.info("could not tell user %s of the sensitive case %s: %s", reader, case.ref, exc)
