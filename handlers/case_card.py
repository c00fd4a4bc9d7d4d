"""The case card in the staff chat: keeping its posted copies up to date, and a copy anywhere
(/case PA-…). What it says is handlers/case_card_text.py, its buttons handlers/case_card_markup.py,
its posting (and what is posted under it, and the private notice of a sensitive case)
handlers/case_card_post.py, what reporters add later handlers/case_additions.py; the contact
button is handlers/case_contact.py."""

from __future__ import annotations

import asyncio
import logging
import weakref

from telegram import Chat
from telegram.error import BadRequest, TelegramError

from bot.context import PinganContext
from bot.i18n import using_locale
from bot.services.supervision import is_overdue

# The card's parts, kept importable from here, where the card's other modules have always found them.
from handlers.case_card_markup import OPEN_PRIVATE_CHAT as OPEN_PRIVATE_CHAT
from handlers.case_card_markup import CaseButton as CaseButton
from handlers.case_card_markup import card_markup
from handlers.case_card_post import ALBUM_SIZE as ALBUM_SIZE
from handlers.case_card_post import post_case_card as post_case_card
from handlers.case_card_post import post_level_card as post_level_card
from handlers.case_card_post import staff_card_of as staff_card_of
from handlers.case_card_post import staff_chat_of as staff_chat_of
from handlers.case_card_text import card_text
from handlers.case_card_text import media_counts as media_counts
from handlers.case_labels import GRADE_ICONS as GRADE_ICONS
from handlers.case_labels import GRADE_LABELS as GRADE_LABELS
from handlers.case_labels import LEVEL_LABELS as LEVEL_LABELS
from handlers.case_labels import OUTCOME_LABELS as OUTCOME_LABELS
from handlers.labels import role_label
from storage.models import Case

logger = logging.getLogger(__name__)


#: One refresh of a case's card at a time: updates of different chats are handled side by side, and
#: a refresh whose edit is slow must not land after a later one with the older state.
_refreshing: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


async def refresh_card(context: PinganContext, case: Case, *, also_message=None, view: str = "main") -> None:
    """Edits every posted copy of the card (staff chat, level chats) and the copy the button was
    pressed on (a /case snapshot: it becomes a snapshot of now) to the case's state when its turn
    comes (the caller's copy of the case may be older by then)."""
    lock = _refreshing.setdefault(case.id, asyncio.Lock())
    async with lock:
        await _refresh_card(context, await context.services.cases.case(case.id), also_message, view)


async def _refresh_card(context: PinganContext, case: Case, also_message, view: str) -> None:
    services = context.services
    with using_locale(services.config.default_language):
        text = await card_text(context, case)
        markup = card_markup(case, view, staff=await _staff_choices(context, case) if view == "assign" else None,
                             overdue=is_overdue(case, services.clock.now()))
    targets = [(card.chat_id, card.message_id, text) for card in await services.cards.posted(case.id)]
    # A forged press can name any message: only one where a card may be shown becomes one (a snapshot).
    if also_message is not None and not any((also_message.chat_id, also_message.message_id) == target[:2]
                                            for target in targets) and await shows_cards(context, also_message.chat):
        with using_locale(services.config.default_language):
            snapshot = await card_text(context, case, snapshot=True)
        targets.append((also_message.chat_id, also_message.message_id, snapshot))
    for chat_id, message_id, text in targets:
        try:
            await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified" when nothing visible changed
            logger.debug("card of %s not edited in %s: %s", case.ref, chat_id, exc)
        except TelegramError:
            logger.exception("could not update the card of %s in chat %s", case.ref, chat_id)


async def shows_cards(context: PinganContext, chat: Chat) -> bool:
    """Case cards go to private chats and staff chats only, never to a residents' group."""
    if chat.type == Chat.PRIVATE:
        return True
    groups = context.services.groups
    group = await groups.by_chat_id(chat.id)
    return chat.id in context.services.config.staff_chat_ids or (group is not None and groups.is_staff_group(group))


async def _staff_choices(context: PinganContext, case: Case) -> list[tuple[int, str]]:
    """Assign buttons: name · role · beat, those of the case's area first."""
    staff = await context.services.cases.assignable_staff(case)
    return [(user_id, " · ".join(filter(None, [name, role_label(role), area])))
            for user_id, name, role, area in staff[:20]]


async def send_card(context: PinganContext, chat_id: int, case: Case) -> None:
    """A copy of the card with working buttons, anywhere (/case PA-…). It is a snapshot that says
    when it was made: only the recorded cards (staff chat, level chats) follow every change, so a
    change never fans out to every chat someone once opened the case in (nor to someone who has
    since lost their role); a press on the copy brings it up to date."""
    with using_locale(context.services.config.default_language):
        text, markup = await card_text(context, case, snapshot=True), card_markup(
            case, overdue=is_overdue(case, context.services.clock.now()))
    await context.bot.send_message(chat_id, text, reply_markup=markup)
