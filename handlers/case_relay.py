"""Passing words between staff and a reporter: a staff member's question to the reporters, their
answers back to the asker and the case's owner (new information to the owner), each with a Seen
button, and the follow-up's comment. The reporter never learns who asked; staff see who answered
unless they chose to stay anonymous."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from handlers.case_card import CaseButton
from handlers.case_news import reach_reporter
from handlers.notify import locale_of, person_name
from storage.models import Case

logger = logging.getLogger(__name__)


async def relay_question(context: PinganContext, case: Case, asker: int, question: str) -> tuple[int, int]:
    """The staff member's question, to each reporter, as a message they answer by replying.
    Returns how many reporters it reached, and how many Telegram failed to reach (a 5xx, a
    timeout: not the reporter's doing, and the question may even have arrived)."""
    reached = failed = 0
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            text = _("A question about your report {ref}:\n\n{question}\n\nJust type your answer here: there is "
                     "no need to reply to this message.").format(ref=case.ref, question=question)
            markup = ForceReply(input_field_placeholder=_("Your answer"))
        try:
            sent = await reach_reporter(context, case, reporter, "question", context.bot.send_message(
                reporter.user_id, html.escape(text), reply_markup=markup), passing_errors=True)
        except TelegramError:
            failed += 1
            continue
        if sent is None:
            continue
        reached += 1
        await context.services.conversation.record_question(case.id, asker, reporter.user_id, sent.message_id, question)
    return reached, failed


async def reporter_reply(update: Update, context: PinganContext, *, replied_to: int | None = None) -> bool:
    """A reporter's reply to a relayed question (back to the asker, and onto the case) or to the
    follow-up's comment prompt. False if the message replies to neither. `replied_to` stands for the
    message replied to when the person typed without using Reply (see `reporter_plain_answer`)."""
    message = update.effective_message
    if replied_to is None and message.reply_to_message is None:
        return False
    replied_to = replied_to if replied_to is not None else message.reply_to_message.message_id
    text = (message.text or message.caption or "").strip()
    if not text:
        return False
    services = context.services
    if await services.followups.comment(update.effective_user.id, replied_to, text) is not None:
        await message.reply_text(html.escape(_("Thank you for your comment.")))
        return True
    result = await services.conversation.reporter_reply(update.effective_user.id, replied_to, text)
    if result is None:
        return False
    case = result.case
    await message.reply_text(html.escape(_("Thank you, your answer has been passed on.")))
    who = await _reporter_identity(context, case.id, update.effective_user.id)
    for reader, inbox_id in result.inbox_ids.items():  # the asker, and the owner if someone else asked
        await _to_reader(context, case, reader, inbox_id, lambda: _(
            "Answer from the reporter of {ref} ({who}):\n\n{text}").format(ref=case.ref, who=who, text=text))
    return True


async def reporter_plain_answer(update: Update, context: PinganContext) -> bool:
    """A message typed without Reply by someone staff are waiting on: the answer to their newest
    question (or the follow-up comment). False if nobody is waiting for this person."""
    waiting_on = await context.services.conversation.awaiting_reply(update.effective_user.id)
    if waiting_on is None:
        return False
    return await reporter_reply(update, context, replied_to=waiting_on)


async def notify_owner_of_information(context: PinganContext, case_id: int, reporter_id: int, text: str) -> None:
    """New information from a reporter reaches the case's owner privately, with a Seen button."""
    result = await context.services.conversation.new_information(case_id, text)
    if result is None:
        return
    case, inbox_id = result
    who = await _reporter_identity(context, case.id, reporter_id)
    await _to_reader(context, case, case.owner_id, inbox_id, lambda: _(
        "New information from the reporter of {ref} ({who}):\n\n{text}").format(
        ref=case.ref, who=who, text=text or _("(a photo or a voice message)")))


async def _reporter_identity(context: PinganContext, case_id: int, reporter_id: int) -> str:
    """Shown to the owner only. An anonymous reporter stays anonymous even to them."""
    for reporter in await context.services.reports.reporters(case_id):
        if reporter.user_id == reporter_id:
            if reporter.anonymous:
                return _("anonymous")
            return _(", ").join(filter(None, [await person_name(context, reporter_id), reporter.phone]))
    return str(reporter_id)


async def _to_reader(context: PinganContext, case: Case, reader_id: int, inbox_id: int,
                     render: Callable[[], str]) -> None:
    """`render()` (plain text) to a staff member who must read it, in their language, with the
    Seen button that stops the unread reminder."""
    with using_locale(await locale_of(context, reader_id)):
        text = render()
        seen = CaseButton("seen", case.id, str(inbox_id)).pack()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("✓ Seen"), callback_data=seen)]])
    try:
        await context.bot.send_message(reader_id, html.escape(text), reply_markup=markup)
    except TelegramError as exc:
        logger.info("could not pass a reporter's message on %s to %s: %s", case.ref, reader_id, exc)
