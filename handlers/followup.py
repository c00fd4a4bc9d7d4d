"""The follow-up visit (回访): a few days after a case is resolved its reporters are asked, one tap
each, whether it is really solved and how satisfied they are; "not solved" reopens the case."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.cases import Change
from bot.services.errors import NotAllowed
from handlers import case_card
from handlers.case_news import reach_reporter
from handlers.notify import locale_of, tell_each
from storage.models import Case

logger = logging.getLogger(__name__)


class FollowupButton(CallbackData, prefix="fu", legacy=True):
    """An answer to a follow-up question: `solved` (1 / 0), `elsewhere` (1 / 0: after a referral or
    "not a police matter", the office got in touch / they know where to turn) or `stars` (1–5) for
    `case_id`. Legacy:
    the questions wait days for residents, posted as `fu:<action>:<case_id>:<value>`."""

    action: str
    case_id: int
    value: int


async def ask_followup(context: PinganContext, case: Case) -> bool:
    """The follow-up visit: two questions, each answered with one tap and saved at once. The first
    fits the outcome: a case passed on, or not a police matter, is not asked whether it is solved.
    False when it reached no reporter and at least one failure was Telegram's, not theirs (to be
    asked again later)."""
    asks = context.services.followups.question_for(case)
    reached, passing_failure = False, False
    for reporter in await context.services.reports.reporters(case.id):
        with using_locale(await locale_of(context, reporter.user_id)):
            question, yes, no = _first_question(case) if asks == "elsewhere" else (
                _("A few days ago your report {ref} was resolved. Is the problem really solved?").format(ref=case.ref),
                _("Yes, it is solved"), _("No, not yet"))
            solved = InlineKeyboardMarkup([[
                InlineKeyboardButton(yes, callback_data=FollowupButton(asks, case.id, 1).pack()),
                InlineKeyboardButton(no, callback_data=FollowupButton(asks, case.id, 0).pack()),
            ]])
            stars = InlineKeyboardMarkup([[
                InlineKeyboardButton("⭐" * n, callback_data=FollowupButton("stars", case.id, n).pack())
                for n in range(1, 6)
            ]])
            rating = _("How satisfied are you with how it was handled? (1 to 5 stars)")
        try:
            sent = await reach_reporter(context, case, reporter, "followup", _send_questions(
                context, reporter.user_id, question, solved, rating, stars), passing_errors=True)
        except TelegramError:
            passing_failure = True
            continue
        reached = reached or sent is not None
    return reached or not passing_failure


def _first_question(case: Case) -> tuple[str, str, str]:
    """The question (and its yes / no) after a referral or "not a police matter"."""
    if case.outcome == "referred":
        return (_("A few days ago we passed your report {ref} on to the office responsible for it. Has that "
                  "office been in touch with you?").format(ref=case.ref), _("Yes, they have"), _("No, they have not"))
    return (_("A few days ago we told you that your report {ref} is not a matter for the police. Do you know "
              "now where to turn with it?").format(ref=case.ref), _("Yes, I do"), _("No, I still do not know"))


async def _send_questions(context: PinganContext, user_id: int, question: str, solved: InlineKeyboardMarkup,
                          rating: str, stars: InlineKeyboardMarkup):
    """The follow-up's two questions, each with its buttons."""
    await context.bot.send_message(user_id, html.escape(question), reply_markup=solved)
    return await context.bot.send_message(user_id, html.escape(rating), reply_markup=stars)


async def followup_button(update: Update, context: PinganContext) -> None:
    """A reporter's tap on a follow-up question: saved at once, no submit step."""
    query = update.callback_query
    pressed = FollowupButton.parse(query.data)
    if pressed is None or pressed.action not in ANSWERS:
        await query.answer(_("This button has expired."), show_alert=True)
        return
    try:
        answer = await ANSWERS[pressed.action](update, context, pressed)
    except NotAllowed:
        answer = _("Sorry, you are not allowed to do this."), True
    text, alert = answer or (None, False)
    await query.answer(text, show_alert=alert)


async def _answer_solved(update: Update, context: PinganContext, pressed: FollowupButton) -> tuple[str, bool] | None:
    """Solved closes the loop; not solved reopens the case and tells its owner and the supervisors."""
    solved = bool(pressed.value)
    change = await context.services.followups.answer_solved(pressed.case_id, update.effective_user.id, solved)
    return await _after_answer(update, context, change, solved, _("Thank you. We are glad it is solved."), _(
        "Thank you for telling us. The case has been reopened and staff will contact you."), _reopened_by_reporter)


async def _answer_elsewhere(update: Update, context: PinganContext,
                            pressed: FollowupButton) -> tuple[str, bool] | None:
    """After a referral or "not a police matter": the loop closes; no tells the owner and the supervisors."""
    helped = bool(pressed.value)
    change = await context.services.followups.answer_elsewhere(pressed.case_id, update.effective_user.id, helped)
    return await _after_answer(update, context, change, helped, _("Thank you. We are glad to hear it."), _(
        "Thank you for telling us. The officer in charge has been told and will get back to you."), _still_unhelped)


async def _after_answer(update: Update, context: PinganContext, change: Change, yes: bool, thanks_yes: str,
                        thanks_no: str, on_no: Callable[[PinganContext, Case], Awaitable[None]]
                        ) -> tuple[str, bool] | None:
    """The first question answered: its buttons go, the reporter is thanked, a no is acted on, and
    the card shows the answer. A second tap only hears that the answer was already saved."""
    if not change.changed:
        return _("Your answer was already saved. Thank you."), False
    query = update.callback_query
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(html.escape(thanks_yes if yes else thanks_no))
    if not yes:
        await on_no(context, change.case)
    await case_card.refresh_card(context, change.case)
    return None


async def _still_unhelped(context: PinganContext, case: Case) -> None:
    """The office a case went to has not been in touch, or the reporter still does not know where to turn."""
    await _tell_staff(context, case, lambda case: (
        _("The reporter of {ref} says the office it was passed on to has not been in touch. /case {ref}")
        if case.outcome == "referred" else
        _("The reporter of {ref} still does not know where to turn with it (not a police matter). "
          "/case {ref}")).format(ref=case.ref))


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
    await _tell_staff(context, case, lambda case: _(
        "The reporter says {ref} is not solved: the case has been reopened. /case {ref}").format(ref=case.ref))


async def _tell_staff(context: PinganContext, case: Case, render: Callable[[Case], str]) -> None:
    """The case's owner and its area's supervisors, each in their language."""
    recipients = {*(await context.services.cases.supervisors_for(case.area))}
    if case.owner_id is not None:
        recipients.add(case.owner_id)
    await tell_each(context, sorted(recipients), lambda: render(case))


#: Each follow-up button's answer, by its action.
ANSWERS = {"solved": _answer_solved, "elsewhere": _answer_elsewhere, "stars": _answer_stars}
