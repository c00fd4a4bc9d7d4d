"""/start: a welcome that fits the caller's role, and deep links (invitations)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.context import PinganContext
from bot.deeplinks import AlertPayload, InvitePayload, MediationPayload, ReportPayload, parse_payload
from bot.i18n import _, gettext_in
from bot.roles import is_staff, ordered
from bot.services.errors import InviteProblem
from handlers import alert_tips, mediation_consent, report
from handlers.fallback import report_or_check_buttons
from handlers.labels import ROLE_LABELS, role_label, role_labels
from handlers.menu import refresh_private_commands
from handlers.notify import tell_person
from storage.models import Role


async def start(update: Update, context: PinganContext) -> None:
    """Welcomes the caller, or acts on the deep-link payload they arrived with."""
    chat = update.effective_chat
    if chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(
            html.escape(_("I take reports and questions in a private chat, so nobody's details appear here.")),
            reply_markup=private_chat_button(context),
        )
        return
    if context.args:
        payload = parse_payload(context.args[0])
        if isinstance(payload, InvitePayload):
            await redeem_invite(update, context, payload.code)
            return
        if isinstance(payload, ReportPayload):
            await report.begin_from_link(update, context, payload.group_ref)
            return
        if isinstance(payload, AlertPayload):
            await alert_tips.begin_tip(update, context, payload.ref)
            return
        if isinstance(payload, MediationPayload):
            await mediation_consent.open_link(update, context, payload.token)
            return
        await update.effective_message.reply_text(
            html.escape(_("That link is not valid or has expired. Here is what I can do for you:"))
        )
    text = welcome_text(context)
    draft = await context.services.intake.draft(update.effective_user.id)
    if draft is not None and draft.dialogue == "report":
        text += "\n\n" + html.escape(_("You have an unfinished report: tap the button below or send /report to "
                                       "continue it."))
    await update.effective_message.reply_text(
        text, disable_web_page_preview=True,
        reply_markup=report_or_check_buttons(),
    )


async def private_only(update: Update, context: PinganContext) -> None:
    """/myreports, /cancel and the like sent in a group: they work in the private chat."""
    await update.effective_message.reply_text(
        html.escape(_("That works in a private chat with me, so nobody's details appear here.")),
        reply_markup=private_chat_button(context),
    )


def private_chat_button(context: PinganContext) -> InlineKeyboardMarkup:
    url = f"https://t.me/{context.bot.username}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("Open a private chat with Pingan"), url=url)]])


def welcome_text(context: PinganContext) -> str:
    """The welcome for the caller's role (HTML: the msgids carry their own <b>)."""
    person = context.person
    name = html.escape(person.first_name if person and person.first_name else _("neighbour"))
    numbers = context.services.config.emergency.numbers
    emergency = html.escape(_(
        "Pingan is not an emergency line. If something dangerous is happening now, call "
        "{police} (police), {fire} (fire) or {ambulance} (ambulance) at once."
    ).format(
        police=numbers.get("police", "110"),
        fire=numbers.get("fire", "119"),
        ambulance=numbers.get("ambulance", "120"),
    ))
    roles = context.roles
    if is_staff(roles) or Role.STEWARD in roles:
        granted = [r for r in roles if r is not Role.RESIDENT]
        return "\n\n".join([
            _("Welcome, <b>{name}</b>. You are signed in as: {roles}.").format(
                name=name, roles=html.escape(role_labels(ordered(granted)))
            ),
            html.escape(_("New cases and alerts for your work reach you here and in the staff chat.")
                        if is_staff(roles) else
                        # A steward is in no staff chat and gets no cases: they spot risks and report them.
                        _("As a safety steward you spot risks early: tap the button below, or send /report, to "
                          "tell the community police what you noticed. /myreports shows what you have sent.")),
            html.escape(_("Send /help to see the commands for your role.")),
            emergency,
        ])
    return "\n\n".join([
        _("Hello, <b>{name}</b>! I am Pingan (平安), the assistant of your community police and mediators.").format(
            name=name
        ),
        html.escape(_(
            "Community police and mediators use Pingan to hear about incidents and disputes "
            "privately (what you tell me is never posted in a group) and to keep your groups "
            "informed with anti-fraud tips and patrol notices."
        )),
        emergency,
        html.escape(_("Tap the button below, or send /report, to tell us about something. /myreports shows what you "
                      "have sent. /help lists everything; /language switches between 中文 and English.")),
        html.escape(_("Got a suspicious message or call? Forward the message to me, or send /check, and I will tell "
                      "you at once whether it looks like a known scam.")),
    ])


async def redeem_invite(update: Update, context: PinganContext, code: str) -> None:
    """Grants the invited role, or explains politely why the link does not work."""
    user = update.effective_user
    try:
        invite = await context.services.people.redeem_invite(code, user.id)
    except InviteProblem as problem:
        await update.effective_message.reply_text(html.escape(invite_problem_text(problem)))
        return
    # The role changed: reload so the welcome and menus reflect it.
    context.person = await context.services.people.person(user.id)
    await update.effective_message.reply_text(html.escape(
        _("Welcome to the team! You are now a {role} in Pingan. Send /help to see your commands.").format(
            role=role_label(invite.role))))
    await refresh_private_commands(context, user.id)
    await tell_inviter(context, invite.created_by, user.first_name, invite.role)


async def tell_inviter(context: PinganContext, inviter_id: int, newcomer: str, role: Role) -> None:
    await tell_person(context, inviter_id, lambda locale: gettext_in(
        locale, "{name} accepted your invitation and is now a {role}."
    ).format(name=newcomer, role=ROLE_LABELS[role].in_locale(locale)))


def invite_problem_text(problem: InviteProblem) -> str:
    """Why an invitation link does not work (plain text)."""
    reason = problem.reason
    if reason is InviteProblem.Reason.EXPIRED:
        return _("This invitation has expired. Please ask the person who invited you for a new link.")
    if reason is InviteProblem.Reason.USED:
        return _("This invitation has already been used. Each link works only once: please ask for a new one.")
    if reason is InviteProblem.Reason.ALREADY_HOLDS:
        return _("You already have this role, so nothing has changed. Send /help to see your commands.")
    return _("This invitation link is not valid. Please check you copied all of it, or ask for a new one.")
