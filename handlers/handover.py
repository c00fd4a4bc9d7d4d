"""Handing work on (bot/services/handover.py): /handover <from> <to> for supervisors and admins,
the cases of someone whose role was revoked (handlers/roles.py asks to whom), and /away."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import TelegramError

from bot import roles as rules
from bot.context import PinganContext
from bot.i18n import _, ngettext, using_locale
from bot.services.errors import NotAllowed
from bot.services.handover import Handover
from handlers import case_card
from handlers.notify import person_name, tell_each
from storage.models import Case

logger = logging.getLogger(__name__)


async def handover_command(update: Update, context: PinganContext) -> None:
    """/handover <from id> <to id>: every open case of one staff member to another; /handover
    <from id> alone (or with -) puts them back in the staff chat, unowned."""
    message = update.effective_message
    if not context.roles & rules.CASE_MANAGER_ROLES:
        await message.reply_text(html.escape(_("Sorry, only supervisors and administrators can hand cases over.")))
        return
    args = context.args or []
    if not 1 <= len(args) <= 2 or not args[0].isdigit() or len(args) == 2 and not (args[1].isdigit() or args[1] == "-"):
        await message.reply_text(html.escape(_(
            "Please write it as /handover <from user id> <to user id>, or /handover <from user id> - to put "
            "the cases back in the staff chat unowned. /staff lists everyone's id.")))
        return
    from_id = int(args[0])
    to_id = int(args[1]) if len(args) == 2 and args[1].isdigit() else None
    try:
        result = await context.services.handover.hand_over(update.effective_user.id, from_id, to_id, via="command")
    except NotAllowed:
        await message.reply_text(html.escape(_("{name} cannot take over cases: they hold no role that handles "
                                               "cases.").format(name=await person_name(context, to_id))))
        return
    await after_handover(context, update.effective_user.id, result)
    await message.reply_text(html.escape(await summary(context, result)))


async def summary(context: PinganContext, result: Handover) -> str:
    """What the hand-over did, for the person who made it (plain text)."""
    name = await person_name(context, result.from_id)
    moved, unowned = len(result.moved), len(result.unowned)
    if not moved and not unowned:
        return _("{name} had no open cases to hand over.").format(name=name)
    parts = []
    if moved:
        parts.append(ngettext("{count} case of {name} is now with {successor}.",
                              "{count} cases of {name} are now with {successor}.", moved).format(
            count=moved, name=name, successor=await person_name(context, result.to_id)))
    if unowned:
        parts.append(ngettext("{count} case of {name} is back in the staff chat, unowned.",
                              "{count} cases of {name} are back in the staff chat, unowned.", unowned).format(
            count=unowned, name=name))
    return " ".join(parts)


async def after_handover(context: PinganContext, actor: int, result: Handover) -> None:
    """The cards show their new owner; the successor hears which cases are theirs; the staff chat
    hears which are waiting to be accepted."""
    for case in (*result.moved, *result.unowned):
        await case_card.refresh_card(context, case)
    if result.moved and result.to_id != actor:
        refs = ", ".join(case.ref for case in result.moved)
        count = len(result.moved)
        await tell_each(context, [result.to_id], lambda: ngettext(
            "This case was handed over to you: {refs}. Send /cases to see it.",
            "These cases were handed over to you: {refs}. Send /cases to see them.", count).format(refs=refs))
    by_chat: dict[int, list[Case]] = {}
    for case in result.unowned:
        staff_chat, _card = await case_card.staff_card_of(context, case)
        if staff_chat is not None:
            by_chat.setdefault(staff_chat, []).append(case)
    for staff_chat, cases in by_chat.items():
        await _tell_unowned(context, staff_chat, result.from_id, cases)


async def _tell_unowned(context: PinganContext, staff_chat: int, from_id: int, cases: list[Case]) -> None:
    """A staff chat hears which of its cases wait to be accepted again."""
    refs = ", ".join(case.ref for case in cases)
    with using_locale(context.services.config.default_language):
        text = ngettext("{name} no longer handles {refs}: it needs someone to accept it.",
                        "{name} no longer handles {refs}: they need someone to accept them.",
                        len(cases)).format(name=await person_name(context, from_id), refs=refs)
    try:
        await context.bot.send_message(staff_chat, html.escape(text))
    except TelegramError:
        logger.exception("could not tell the staff chat about unowned cases %s", refs)


async def away_command(update: Update, context: PinganContext) -> None:
    """/away: marks the sender away (out of assign lists, reminders to the supervisors); /away off."""
    message = update.effective_message
    if not rules.is_staff(context.roles):
        await message.reply_text(html.escape(_("Sorry, only staff can mark themselves away.")))
        return
    args = [a.lower() for a in context.args or []]
    if args and args != ["off"]:
        await message.reply_text(html.escape(_("Send /away to be marked away, or /away off when you are back.")))
        return
    away = not args
    await context.services.handover.set_away(update.effective_user.id, away)
    if away:
        text = _("You are marked away: nobody can assign you cases, and your reminders go to the supervisors. "
                 "Your open cases stay yours. Send /away off when you are back.")
    else:
        text = _("Welcome back: you can be assigned cases again, and your reminders come to you.")
    await message.reply_text(html.escape(text))
