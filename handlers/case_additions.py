"""What a reporter adds after sending a report (and what a second reporter of the same thing
said), posted in reply to the case's card in its staff chat: words and voice notes as they come,
photos as one album captioned with whose they are. No personal data beyond what the card shows."""

from __future__ import annotations

import html
import logging

from telegram import InputMediaPhoto
from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import _, ngettext, using_locale
from handlers.case_card import ALBUM_SIZE, staff_card_of
from handlers.case_privacy import sensitive_addition_line
from handlers.report_labels import shorten
from storage.models import Case, CaseMedia

logger = logging.getLogger(__name__)


async def post_addition(context: PinganContext, case: Case, user_id: int, media: list[CaseMedia], *,
                        text: str, joined: bool) -> None:
    """New information from a reporter, as a reply to the case's card in its staff chat."""
    try:
        await send_addition(context, case, media, text=text, joined=joined)
    except TelegramError:
        logger.exception("could not post new information on case %s to the staff chat", case.ref)


async def send_addition(context: PinganContext, case: Case, media: list[CaseMedia], *, text: str,
                        joined: bool, note: str = "") -> None:
    """`post_addition`, raising what Telegram raised (a joined report's notice is kept owed); `note`
    (plain text) ends it when it is sent again."""
    services = context.services
    staff_chat, reply_to = await staff_card_of(context, case)
    if staff_chat is None:
        return
    with using_locale(services.config.default_language):
        header = (_("Another resident reported the same thing: {ref}") if joined
                  else _("New information from the reporter: {ref}")).format(ref=case.ref)
    if services.access.is_sensitive(case):
        with using_locale(services.config.default_language):
            text, media = sensitive_addition_line(), []
    photos = [m for m in media if m.media_type == "photo"]
    if text or joined or note or len(photos) < len(media):  # photos alone say whose they are in their caption
        body = html.escape("\n\n".join(filter(None, [header, shorten(text), note])))
        await context.bot.send_message(staff_chat, body, reply_to_message_id=reply_to)
    await _send_added_album(context, case, staff_chat, reply_to, photos, joined=joined)
    for item in media:
        if item.media_type != "photo":
            await context.bot.send_voice(staff_chat, item.file_id, reply_to_message_id=reply_to)


async def post_added_photos(context: PinganContext, case: Case, photos: list[CaseMedia]) -> None:
    """Photos a reporter added later, as one album in reply to the case's card (a sensitive case's
    stay out of the staff chat, as its card's do)."""
    staff_chat, reply_to = await staff_card_of(context, case)
    if staff_chat is None or not photos:
        return
    try:
        if context.services.access.is_sensitive(case):
            await send_addition(context, case, [], text="", joined=False)
        else:
            await _send_added_album(context, case, staff_chat, reply_to, photos, joined=False)
    except TelegramError:
        logger.exception("could not post the photos added to case %s to the staff chat", case.ref)


async def _send_added_album(context: PinganContext, case: Case, chat_id: int, reply_to: int | None,
                            photos: list[CaseMedia], *, joined: bool) -> None:
    """Albums of up to 10 in reply to the card, the first captioned with whose photos they are (a
    single photo goes alone, still in reply)."""
    with using_locale(context.services.config.default_language):
        caption = html.escape((ngettext(
            "{count} photo from another resident who reported the same thing: {ref}",
            "{count} photos from another resident who reported the same thing: {ref}", len(photos)) if joined
            else ngettext("{count} photo added later by the reporter: {ref}",
                          "{count} photos added later by the reporter: {ref}", len(photos))).format(
            count=len(photos), ref=case.ref))
    for start in range(0, len(photos), ALBUM_SIZE):
        album = photos[start:start + ALBUM_SIZE]
        first_caption = caption if start == 0 else None
        if len(album) == 1:
            await context.bot.send_photo(chat_id, album[0].file_id, caption=first_caption,
                                         reply_to_message_id=reply_to)
        else:
            await context.bot.send_media_group(chat_id, [
                InputMediaPhoto(m.file_id, caption=first_caption if n == 0 else None) for n, m in enumerate(album)
            ], reply_to_message_id=reply_to)
