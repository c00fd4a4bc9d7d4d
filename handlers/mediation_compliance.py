"""The parties' side of the outcome (issue 17): confirming or disputing the agreement, hearing
that there is none (and where to turn), "was it done?" at each term's due date, and the
follow-up visit after a kept agreement (`mediation:compliance` job)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, LazyText, _, using_locale
from bot.services.errors import NotAllowed
from bot.services.mediation import Side
from bot.services.mediation_agreements import Stale
from handlers.dialogue import strip_buttons
from handlers.mediation_buttons import MediateButton, panel_markup
from handlers.mediation_labels import term_line
from handlers.mediation_notify import send
from handlers.notify import locale_of, person_name
from storage.mediation import Mediation
from storage.mediation_agreements import Term

logger = logging.getLogger(__name__)

Pressed = TypeVar("Pressed", bound=CallbackData)
Result = TypeVar("Result")

#: Said to a press on a question that is no longer asked.
NO_LONGER_OPEN = N_("This question is no longer open.")

#: Where the parties can turn when there is no agreement (the referral's sentence).
REFERRAL_ADVICE = {
    "court": N_("You can take the matter to the people's court."),
    "arbitration": N_("You can apply for arbitration."),
    "labour": N_("You can turn to the labour inspection."),
    "agency": N_("The mediator will tell you which agency can help."),
}


class ConfirmButton(CallbackData, prefix="medf"):
    """A party's answer to the agreement of `round`."""

    mediation_id: int
    round: int
    confirmed: bool


class CheckButton(CallbackData, prefix="medk"):
    """A party's "was it done?" for a term."""

    term_id: int
    kept: bool


class FollowButton(CallbackData, prefix="medv"):
    """A party's answer at the follow-up visit: does the agreement still hold?"""

    mediation_id: int
    holding: bool


def _side_text(side: Side) -> str:
    return _("the reporter") if side is Side.REPORTER else _("the other party")


async def _terms_text(context: PinganContext, mediation: Mediation) -> str:
    terms = await context.services.agreements.terms(mediation)
    return "\n".join(f"{t.position}. {term_line(t.who, t.text, t.due_on)}" for t in terms)


async def _answer(update: Update, context: PinganContext, family: type[Pressed],
                  give: Callable[[Pressed, int], Awaitable[Result]],
                  stale: LazyText = NO_LONGER_OPEN) -> tuple[Pressed, Result] | None:
    """A party's answer by button, given to the service (which re-checks the two parties and that
    the question is still asked): the press and what the service made of it, its buttons gone; or
    None, the press answered with why not."""
    query = update.callback_query
    pressed = family.parse(query.data)
    if pressed is None:
        await query.answer(_("This button has expired."), show_alert=True)
        return None
    try:
        result = await give(pressed, update.effective_user.id)
    except NotAllowed:
        await query.answer(_("Sorry, this button is not for you."), show_alert=True)
        return None
    except Stale:
        await query.answer(stale.translated(), show_alert=True)
        return None
    await query.answer()
    await strip_buttons(context, update.effective_chat.id, query.message.message_id if query.message else None)
    return pressed, result


async def ask_to_confirm(context: PinganContext, mediation: Mediation) -> None:
    """The agreement (and its photo) to each party, with Yes / Not what was agreed."""
    for user_id in (await context.services.mediation.parties(mediation)).values():
        if mediation.agreement_photo:
            try:
                await context.bot.send_photo(user_id, mediation.agreement_photo)
            except TelegramError as exc:
                logger.info("could not send the agreement photo to %s: %s", user_id, exc)
        await _send_agreement(context, user_id, mediation)


async def _send_agreement(context: PinganContext, user_id: int, mediation: Mediation) -> None:
    case = await context.services.mediation.case_of(mediation)
    with using_locale(await locale_of(context, user_id)):
        terms = await _terms_text(context, mediation)
    await send(context, user_id, lambda: "\n\n".join([
        _("The mediator recorded this agreement about {ref}:").format(ref=case.ref), terms,
        _("Is this what was agreed?")]), lambda: InlineKeyboardMarkup([
            [InlineKeyboardButton(_("✅ Yes, this is what we agreed"), callback_data=ConfirmButton(
                mediation.id, mediation.agreement_round, True).pack())],
            [InlineKeyboardButton(_("✖ No, this is not what we agreed"), callback_data=ConfirmButton(
                mediation.id, mediation.agreement_round, False).pack())]]))


async def on_confirm(update: Update, context: PinganContext) -> None:
    """A party confirms or disputes the agreement (re-checked: the two parties, the latest round)."""
    agreements = context.services.agreements
    answer = await _answer(update, context, ConfirmButton, lambda pressed, user_id: agreements.confirm(
        pressed.mediation_id, pressed.round, user_id, pressed.confirmed),
        stale=N_("This agreement is no longer waiting for your answer."))
    if answer is None:
        return
    _pressed, result = answer
    user_id = update.effective_user.id
    mediation = result.mediation
    case = await context.services.mediation.case_of(mediation)
    if result.disputed:
        await send(context, user_id, lambda: _("Thank you. I have told the mediator, who will talk with you."))
        name, side = await person_name(context, user_id), result.side
        await send(context, mediation.mediator_id, lambda: _(
            "{name} ({side}) says the agreement about {ref} is not what was agreed. Please talk with them and "
            "record it again.").format(name=name, side=_side_text(side), ref=case.ref),
            lambda: panel_markup(mediation.id))
    elif result.agreed:
        people = [mediation.mediator_id, *(await context.services.mediation.parties(mediation)).values()]
        for person in people:
            await send(context, person, lambda: _(
                "Both parties confirmed the agreement about {ref}. On each date in it I will ask whether it was "
                "done.").format(ref=case.ref))
    else:
        await send(context, user_id, lambda: _("Thank you. I will tell you when the other party has confirmed too."))


async def tell_no_agreement(context: PinganContext, mediation: Mediation) -> None:
    """Both parties hear that the mediation ended without agreement, and where they can turn."""
    case = await context.services.mediation.case_of(mediation)
    advice = REFERRAL_ADVICE.get(mediation.referral or "")
    for user_id in (await context.services.mediation.parties(mediation)).values():
        await send(context, user_id, lambda: " ".join(filter(None, [
            _("The mediation about {ref} ended without an agreement. Thank you for taking part.").format(ref=case.ref),
            advice.translated() if advice else ""])))


# --- compliance and the follow-up visit -----------------------------------------------------------

async def compliance_jobs(context: PinganContext) -> None:
    """Job: "was it done?" on each term's due date; the follow-up visit after a kept agreement."""
    services = context.services
    for mediation, term in await services.agreements.checks_due():
        await _ask_check(context, mediation, term)
    for mediation in await services.agreements.followups_due():
        await _visit(context, mediation)


async def _visit(context: PinganContext, mediation: Mediation) -> None:
    """The follow-up visit: both parties asked whether the agreement still holds."""
    case = await context.services.mediation.case_of(mediation)

    def markup() -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([
            [InlineKeyboardButton(_("Yes, all is well"), callback_data=FollowButton(mediation.id, True).pack())],
            [InlineKeyboardButton(_("No, there are problems again"),
                                  callback_data=FollowButton(mediation.id, False).pack())]])

    for user_id in (await context.services.mediation.parties(mediation)).values():
        await send(context, user_id, lambda: _(
            "Some time has passed since the agreement about {ref}. Is it still holding?").format(ref=case.ref), markup)


async def _ask_check(context: PinganContext, mediation: Mediation, term: Term) -> None:
    case = await context.services.mediation.case_of(mediation)
    for user_id in (await context.services.mediation.parties(mediation)).values():
        await send(context, user_id, lambda: "\n\n".join([
            _("Today is the date in the agreement about {ref}:").format(ref=case.ref),
            term_line(term.who, term.text, term.due_on), _("Was it done?")]), lambda: InlineKeyboardMarkup([
                [InlineKeyboardButton(_("✅ Yes, it was done"), callback_data=CheckButton(term.id, True).pack())],
                [InlineKeyboardButton(_("✖ No, it was not done"), callback_data=CheckButton(term.id, False).pack())]]))


async def on_check(update: Update, context: PinganContext) -> None:
    """A party's "was it done?" (re-checked: the two parties, a term now asked about)."""
    agreements = context.services.agreements
    answer = await _answer(update, context, CheckButton, lambda pressed, user_id: agreements.check(
        pressed.term_id, user_id, pressed.kept))
    if answer is None:
        return
    _pressed, result = answer
    user_id = update.effective_user.id
    await send(context, user_id, lambda: _("Thank you for telling me."))
    mediation, term = result.mediation, result.term
    case = await context.services.mediation.case_of(mediation)
    if result.broken:
        name, side = await person_name(context, user_id), result.side
        await send(context, mediation.mediator_id, lambda: "\n".join([
            _("{name} ({side}) says this part of the agreement about {ref} was not done:").format(
                name=name, side=_side_text(side), ref=case.ref), term_line(term.who, term.text, term.due_on)]),
            lambda: InlineKeyboardMarkup([[InlineKeyboardButton(
                _("↩ Reopen the mediation"), callback_data=MediateButton("reopen", mediation.id).pack())]]))
    elif result.all_kept:
        people = [mediation.mediator_id, *(await context.services.mediation.parties(mediation)).values()]
        for person in people:
            await send(context, person, lambda: _(
                "Every part of the agreement about {ref} was kept. The case is closed as mediated. Thank you!").format(
                ref=case.ref))


async def on_followup(update: Update, context: PinganContext) -> None:
    """A party's answer at the follow-up visit; "problems again" goes to the mediator."""
    agreements = context.services.agreements
    answer = await _answer(update, context, FollowButton, lambda pressed, user_id: agreements.followup_answer(
        pressed.mediation_id, user_id, pressed.holding))
    if answer is None:
        return
    pressed, (mediation, side) = answer
    user_id = update.effective_user.id
    await send(context, user_id, lambda: _("Thank you for telling me."))
    if not pressed.holding:
        case = await context.services.mediation.case_of(mediation)
        name = await person_name(context, user_id)
        await send(context, mediation.mediator_id, lambda: _(
            "Follow-up visit: {name} ({side}) says there are problems again about {ref}.").format(
            name=name, side=_side_text(side), ref=case.ref))
