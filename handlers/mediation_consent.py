"""The other party's side of the invitation (issue 17): the link `/start med_<token>` opens a
consent screen (what the dispute is about, who mediates, that their details are seen by the
mediator only); Join or Decline. A used, expired or mistaken link is refused politely."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import PinganContext
from bot.i18n import _
from bot.services.mediation import Invitation, InvitationProblem
from handlers import mediation_decline
from handlers.dialogue import strip_buttons
from handlers.mediation_account import party_markup
from handlers.mediation_buttons import ConsentButton, panel_markup
from handlers.mediation_notify import send
from handlers.notify import person_name
from storage.mediation import Mediation


def problem_text(problem: InvitationProblem) -> str:
    """Why the link does not work (plain text)."""
    reason = problem.reason
    if reason is InvitationProblem.Reason.USED:
        return _("This invitation has already been used. Each link works only once: please ask the mediator for a "
                 "new one.")
    if reason is InvitationProblem.Reason.EXPIRED:
        return _("This invitation has expired. Please ask the mediator for a new link.")
    if reason is InvitationProblem.Reason.OWN_CASE:
        return _("This invitation is meant for the other party of the dispute, so it cannot be opened from your "
                 "account. The mediator will keep you informed here.")
    if reason is InvitationProblem.Reason.CLOSED:
        return _("This mediation is no longer waiting for an answer. Thank you.")
    return _("This invitation link is not valid. Please check you copied all of it, or ask the mediator for a new "
             "one.")


async def open_link(update: Update, context: PinganContext, token: str) -> None:
    """/start med_<token>: the consent screen, or why the link does not work."""
    try:
        invitation = await context.services.mediation.open_invitation(token, update.effective_user.id)
    except InvitationProblem as problem:
        await update.effective_message.reply_text(html.escape(problem_text(problem)))
        return
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(_("✅ Join the mediation"), callback_data=ConsentButton("join", token).pack())],
        [InlineKeyboardButton(_("✖ No, thank you"), callback_data=ConsentButton("decline", token).pack())],
    ])
    await update.effective_message.reply_text(await consent_text(context, invitation), reply_markup=markup)


async def consent_text(context: PinganContext, invitation: Invitation) -> str:
    """The consent screen (HTML; the summary and the mediator's name escaped)."""
    mediator = await person_name(context, invitation.mediation.mediator_id)
    return "\n\n".join([
        html.escape(_("Hello. {name}, a community mediator, invites you to talk about a disagreement and find a "
                      "solution together.").format(name=mediator)),
        "<b>{title}</b>\n<blockquote>{summary}</blockquote>".format(
            title=html.escape(_("What it is about:")), summary=html.escape(invitation.mediation.summary or "")),
        html.escape(_("Your name, phone and what you tell me are seen by the mediator only, never by the other party. "
                      "Taking part is free and voluntary.")),
        html.escape(_("Would you like to join?")),
    ])


async def on_button(update: Update, context: PinganContext) -> None:
    """Join or Decline, re-checked against the stored link (used, expired, the reporter's own)."""
    query = update.callback_query
    pressed = ConsentButton.parse(query.data)
    if pressed is None or pressed.action not in ("join", "decline"):
        await query.answer(_("This button has expired."), show_alert=True)
        return
    user_id = update.effective_user.id
    services = context.services
    try:
        if pressed.action == "join":
            mediation = await services.mediation.join(pressed.token, user_id)
        else:
            mediation = await services.mediation.decline(pressed.token, user_id)
    except InvitationProblem as problem:
        await query.answer(problem_text(problem), show_alert=True)
        return
    await query.answer()
    await strip_buttons(context, update.effective_chat.id, query.message.message_id if query.message else None)
    if pressed.action == "join":
        await _joined(context, user_id, mediation)
    else:
        await tell_mediator(context, mediation,
                            lambda ref: _("The other party declined the mediation of {ref}.").format(ref=ref))
        await mediation_decline.begin(context, user_id, mediation)


async def _joined(context: PinganContext, user_id: int, mediation: Mediation) -> None:
    """Thanks the other party and tells the mediator (who sees both) and the reporter (who does not)."""
    await context.bot.send_message(user_id, html.escape(_(
        "Thank you for joining. The mediator will suggest a time to meet. You can tell the mediator your side now: "
        "only the mediator reads it.")), reply_markup=party_markup(mediation.id))
    name = await person_name(context, user_id)
    case = await context.services.mediation.case_of(mediation)
    await send(context, mediation.mediator_id, lambda: _("{name} (the other party) joined the mediation of {ref}.")
                .format(name=name, ref=case.ref), lambda: panel_markup(mediation.id))
    for reporter_id in await context.services.mediation.reporter_ids(mediation):
        await send(context, reporter_id, lambda: _(
            "Good news about {ref}: the other party agreed to mediation. The mediator will suggest a time to meet."
        ).format(ref=case.ref))


async def tell_mediator(context: PinganContext, mediation: Mediation, render) -> None:
    """`render(ref)` (plain text, using `_`) to the mediator, in their language."""
    case = await context.services.mediation.case_of(mediation)
    await send(context, mediation.mediator_id, lambda: render(case.ref))
