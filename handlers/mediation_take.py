"""Taking a dispute as its mediator (issue 17): the Mediate button on the case card and on the
private offers that go to the area's mediators first (the `mediation:offers` job). The first to
press becomes the mediator; the card then shows them as its owner and says so under it."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.errors import NotAllowed
from bot.services.mediation import NotADispute
from handlers import case_card, mediation_agreement, mediation_slots, mediation_summary
from handlers.case_card import OPEN_PRIVATE_CHAT
from handlers.mediation_account import party_markup
from handlers.mediation_buttons import MediateButton, panel_markup
from handlers.mediation_notify import send
from handlers.notify import locale_of, person_name
from handlers.report_labels import category_label
from storage.models import Case, CaseStatus

logger = logging.getLogger(__name__)


async def on_button(update: Update, context: PinganContext) -> None:
    """Mediate (take the case), or a mediator's own button on their mediation."""
    query = update.callback_query
    actor = update.effective_user.id
    with using_locale(await locale_of(context, actor)):  # the pop-up is the presser's alone
        pressed = MediateButton.parse(query.data)
        if pressed is None or pressed.action not in ("take", "newlink", "slots", "outcome", "reopen"):
            await query.answer(_("This button has expired."), show_alert=True)
            return
        if pressed.action == "newlink":
            await mediation_summary.new_link(update, context, pressed.target_id)
            return
        if pressed.action in ("slots", "outcome", "reopen"):
            await _mediator_step(update, context, pressed.action, pressed.target_id)
            return
        popup = await _take(context, pressed.target_id, actor)
    await query.answer(popup, show_alert=True)


async def _mediator_step(update: Update, context: PinganContext, action: str, mediation_id: int) -> None:
    """The mediator's own buttons: propose times, record the outcome, reopen (anyone else is refused)."""
    query = update.callback_query
    actor = update.effective_user.id
    try:
        if action == "slots":
            await mediation_slots.begin(context, actor, mediation_id)
        elif action == "outcome":
            await mediation_agreement.begin(context, actor, mediation_id)
        else:
            await _reopen(context, actor, mediation_id)
    except NotAllowed:
        await query.answer(_("Sorry, only the mediator can do this."), show_alert=True)
        return
    await query.answer()


async def _reopen(context: PinganContext, actor: int, mediation_id: int) -> None:
    """After a broken term: the mediation is open again; both parties hear it."""
    mediation = await context.services.agreements.reopen(mediation_id, actor)
    case = await context.services.mediation.case_of(mediation)
    await send(context, actor, lambda: _("The mediation of {ref} is open again. What next?").format(ref=case.ref),
               lambda: panel_markup(mediation.id))
    for user_id in (await context.services.mediation.parties(mediation)).values():
        await send(context, user_id, lambda: _("The mediator has taken up {ref} again and will be in touch.").format(
            ref=case.ref))


async def _take(context: PinganContext, case_id: int, actor: int) -> str:
    """Takes the case for the presser; returns the pop-up that says what happened."""
    services = context.services
    try:
        taken = await services.mediation.take(case_id, actor)
    except NotADispute:
        return _("This case cannot be mediated now.")
    except NotAllowed:
        return _("Sorry, only mediators and officers who did not report this case can mediate it.")
    mediation = taken.mediation
    case = await services.cases.case(case_id)
    if not taken.won and mediation.mediator_id != actor:
        return _("{name} is already the mediator of this case.").format(
            name=await person_name(context, mediation.mediator_id))
    if taken.won:
        case = await _own_and_show(context, case, actor)
        await _tell_reporters(context, case, mediation.id)
    try:
        await mediation_summary.begin(context, actor, mediation)
    except Forbidden:
        return OPEN_PRIVATE_CHAT.translated()
    return _("You are the mediator of {ref}. I have written to you privately.").format(ref=case.ref)


async def _own_and_show(context: PinganContext, case: Case, mediator_id: int) -> Case:
    """An unowned case becomes the mediator's (first receiver owns it); the card shows the owner,
    and a line under it says who mediates."""
    services = context.services
    if case.owner_id is None and case.status in (CaseStatus.NEW, CaseStatus.REOPENED):
        await services.cases.accept(case.id, mediator_id)
        case = await services.cases.case(case.id)
    await case_card.refresh_card(context, case)
    staff_chat, card_id = await case_card.staff_card_of(context, case)
    if staff_chat is None:
        return case
    with using_locale(services.config.default_language):
        text = _("🤝 {name} is the mediator of {ref}.").format(name=await person_name(context, mediator_id),
                                                             ref=case.ref)
    try:
        await context.bot.send_message(staff_chat, html.escape(text), reply_to_message_id=card_id)
    except TelegramError:
        logger.exception("could not say under the card of %s who mediates it", case.ref)
    return case


async def _tell_reporters(context: PinganContext, case: Case, mediation_id: int) -> None:
    """The reporters hear that a mediator helps now, with their own buttons to tell their side."""
    for reporter in await context.services.reports.reporters(case.id):
        await send(context, reporter.user_id, lambda: _(
            "A mediator is now helping with your dispute {ref}. The mediator may invite the other party to talk. You "
            "can tell the mediator your side here: only the mediator reads it.").format(ref=case.ref),
            lambda: party_markup(mediation_id))


async def offer_disputes(context: PinganContext) -> None:
    """Job: each new dispute is offered privately to its area's mediators, and later to the others
    if nobody took it (bot/services/mediation.py decides who and when)."""
    for offer in await context.services.mediation.offers_due():
        for mediator_id in offer.mediator_ids:
            await _offer(context, offer.case, mediator_id)


async def _offer(context: PinganContext, case: Case, mediator_id: int) -> None:
    """One private offer: the case's reference, kind and area (never the reporter's details)."""
    settings = context.services.config.reports
    await send(context, mediator_id, lambda: _("🤝 A dispute needs a mediator: {ref} · {category} · {area}.").format(
        ref=case.ref, category=category_label(settings, case.kind, case.category),
        area=case.area or _("area not known")), lambda: InlineKeyboardMarkup([[InlineKeyboardButton(
            _("🤝 Mediate"), callback_data=MediateButton("take", case.id).pack())]]))
