"""The text a case card's button asked a staff member for (a note, a question for the reporter, a
resolution, a rejection reason, why a case is reopened), taken from their next private message;
/cancel drops it. A reopening's reason is kept until the staff member confirms it."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import PinganContext
from bot.i18n import N_, LazyText, _
from bot.services.case_states import IllegalTransition
from bot.services.errors import NotAllowed
from bot.services.supervision import SUPERVISE
from handlers import case_card, case_corrections, case_supervise
from handlers.case_buttons import REOPEN, reopen_confirmation
from handlers.case_news import tell_reporters
from handlers.case_relay import relay_question
from storage.models import CaseStatus

MAX_STAFF_TEXT = 1000
#: What the staff member is told once their text is used, per purpose.
DONE_TEXTS: dict[str, LazyText] = {
    "note": N_("Note saved on {ref}."),
    "resolve": N_("{ref} is resolved. The reporter has been told."),
    "reject": N_("{ref} is closed as not taken up. The reporter has been told."),
    "ask": N_("Your question was passed on to the reporter of {ref}. Their answer will come here."),
}
#: What the staff member is told instead when no reporter could be reached (blocked the bot).
UNREACHED_TEXTS: dict[str, LazyText] = {
    "resolve": N_("{ref} is resolved, but the reporter could not be reached to be told."),
    "reject": N_("{ref} is closed as not taken up, but the reporter could not be reached to be told."),
    "ask": N_("The reporter of {ref} could not be reached (they may have blocked the bot): your question "
              "was not delivered."),
}
#: What the staff member is told when Telegram failed (a 5xx, a timeout): the question may have arrived.
UNCERTAIN_TEXTS: dict[str, LazyText] = {
    "ask": N_("Telegram did not confirm that your question reached the reporter of {ref}. It may not have "
              "arrived: please ask again in a few minutes, or wait for an answer."),
}
#: What the reporters hear when a text finished their case.
REPORTER_NEWS = {"resolve": CaseStatus.RESOLVED, "reject": CaseStatus.REJECTED}


async def cancel_pending_text(update: Update, context: PinganContext) -> bool:
    """/cancel while a card waits for a staff member's text: nothing changes. False if none waits."""
    user_id = update.effective_user.id
    if await context.services.cases.pending_text(user_id) is None:
        return False
    await context.services.cases.drop_pending_text(user_id)
    await update.effective_message.reply_text(html.escape(_("Cancelled: nothing was changed.")))
    return True


async def staff_text(update: Update, context: PinganContext) -> bool:
    """A staff member's private message that answers a card's request; False if none was pending."""
    actor = update.effective_user.id
    workflow = context.services.cases
    pending = await workflow.pending_text(actor)
    if pending is None:
        return False
    if (pending.purpose, pending.detail) == case_corrections.AWAITS_REFERENCE:
        await case_corrections.take_reference(update, context, pending)
        return True
    message = update.effective_message
    text = (message.text or "").strip()
    if not text or len(text) > MAX_STAFF_TEXT:
        await message.reply_text(html.escape(_("Please write it as text, up to 1,000 characters.")))
        return True
    if pending.purpose == SUPERVISE:  # a supervisor's note (督办) is the supervision module's
        await case_supervise.take_note(update, context, text)
        return True
    if pending.purpose == REOPEN:
        await _confirm_reopening(update, context, pending.case_id, text)
        return True
    try:
        _pending, change = await workflow.take_text(actor, text)
    except (NotAllowed, IllegalTransition):
        await message.reply_text(html.escape(_("That is no longer possible: the case has changed meanwhile.")))
        return True
    await case_card.refresh_card(context, change.case)
    done = DONE_TEXTS
    if pending.purpose == "ask":
        asked, failed = await relay_question(context, change.case, actor, text)
        if not asked:
            done = UNCERTAIN_TEXTS if failed else UNREACHED_TEXTS
    elif change.changed and pending.purpose in REPORTER_NEWS:
        if not await tell_reporters(context, change.case, REPORTER_NEWS[pending.purpose]):
            done = UNREACHED_TEXTS
    await message.reply_text(html.escape(done[pending.purpose].translated().format(ref=change.case.ref)))
    return True


async def _confirm_reopening(update: Update, context: PinganContext, case_id: int, reason: str) -> None:
    """Keeps the reason (a new message replaces it) and asks to confirm the reopening."""
    message = update.effective_message
    try:
        case = await context.services.cases.await_text(case_id, update.effective_user.id, REOPEN, reason)
    except (NotAllowed, IllegalTransition):
        await context.services.cases.drop_pending_text(update.effective_user.id)
        await message.reply_text(html.escape(_("That is no longer possible: the case has changed meanwhile.")))
        return
    await message.reply_text(html.escape(_("Reopen {ref}?\nReason: {reason}").format(ref=case.ref, reason=reason)),
                             reply_markup=reopen_confirmation(case))
