"""The follow-up visit (回访): a few days after a case is resolved its reporters are asked, one tap
each, whether it is really solved and how satisfied they are; "not solved" reopens the case."""

from __future__ import annotations

import html
import logging

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.errors import NotAllowed
from handlers import case_card
from handlers.case_news import reach_reporter
from handlers.notify import locale_of, tell_each
from storage.models import Case

logger = logging.getLogger(__name__)


class FollowupButton(CallbackData, prefix="fu", legacy=True):
    """An answer to a follow-up question: `solved` (1 / 0) or `stars` (1–5) for `case_id`. Legacy:
    the questions wait days for residents, posted as `fu:<action>:<case_id>:<value>`."""

    action: str
    case_id: int
    value: int


async def ask_followup(context: PinganContext, case: Case) -> None:
    """The follow-up visit: two questions, each answered with one tap and saved at once."""
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            solved = InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Yes, it is solved"), callback_data=FollowupButton("solved", case.id, 1).pack()),
                InlineKeyboardButton(_("No, not yet"), callback_data=FollowupButton("solved", case.id, 0).pack()),
            ]])
            stars = InlineKeyboardMarkup([[
                InlineKeyboardButton("⭐" * n, callback_data=FollowupButton("stars", case.id, n).pack())
                for n in range(1, 6)
            ]])
            question = _("A few days ago your report {ref} was resolved. Is the problem really solved?").format(
                ref=case.ref)
            rating = _("How satisfied are you with how it was handled? (1 to 5 stars)")
        await reach_reporter(context, case, reporter, "followup",
                             _send_questions(context, reporter.user_id, question, solved, rating, stars))


async def _send_questions(context: PinganContext, user_id: int, question: str, solved: InlineKeyboardMarkup,
                          rating: str, stars: InlineKeyboardMarkup):
    """The follow-up's two questions, each with its buttons."""
    await context.bot.send_message(user_id, html.escape(question), reply_markup=solved)
    return await context.bot.send_message(user_id, html.escape(rating), reply_markup=stars)


async def followup_button(update: Update, context: PinganContext) -> None:
    """A reporter's tap on a follow-up question: saved at once, no submit step."""
    query = update.callback_query
    pressed = FollowupButton.parse(query.data)
    if pressed is None or pressed.action not in ("solved", "stars"):
        await query.answer(_("This button has expired."), show_alert=True)
        return
    try:
        if pressed.action == "solved":
            answer = await _answer_solved(update, context, pressed)
        else:
            answer = await _answer_stars(update, context, pressed)
    except NotAllowed:
        answer = _("Sorry, you are not allowed to do this."), True
    text, alert = answer or (None, False)
    await query.answer(text, show_alert=alert)


async def _answer_solved(update: Update, context: PinganContext, pressed: FollowupButton) -> tuple[str, bool] | None:
    """Solved closes the loop; not solved reopens the case and tells its owner and the supervisors."""
    query = update.callback_query
    solved = bool(pressed.value)
    change = await context.services.followups.answer_solved(pressed.case_id, update.effective_user.id, solved)
    if not change.changed:
        return _("Your answer was already saved. Thank you."), False
    await query.edit_message_reply_markup(None)
    if solved:
        await query.message.reply_text(html.escape(_("Thank you. We are glad it is solved.")))
    else:
        await query.message.reply_text(html.escape(_(
            "Thank you for telling us. The case has been reopened and staff will contact you.")))
        await _reopened_by_reporter(context, change.case)
    await case_card.refresh_card(context, change.case)
    return None


async def _answer_stars(update: Update, context: PinganContext, pressed: FollowupButton) -> tuple[str, bool] | None:
    """The rating is saved; a reply to the thanks may add a comment."""
    query = update.callback_query
    followups = context.services.followups
    stars = pressed.value
    if not 1 <= stars <= 5 or not await followups.answer_stars(pressed.case_id, update.effective_user.id, stars):
        return _("This button has expired."), True
    await query.edit_message_reply_markup(None)
    prompt = await query.message.reply_text(
        html.escape(_("Thank you for your rating: {stars}. If you like, reply to this message with a "
                      "comment.").format(stars="⭐" * stars)),
        reply_markup=ForceReply(input_field_placeholder=_("Your comment (optional)")),
    )
    await followups.offer_comment(pressed.case_id, prompt.message_id)
    return None


async def _reopened_by_reporter(context: PinganContext, case: Case) -> None:
    recipients = {*(await context.services.cases.supervisors_for(case.area))}
    if case.owner_id is not None:
        recipients.add(case.owner_id)
    await tell_each(context, sorted(recipients), lambda: _(
        "The reporter says {ref} is not solved: the case has been reopened. /case {ref}").format(ref=case.ref))
