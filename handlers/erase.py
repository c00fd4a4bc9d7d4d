"""/erase (private): a confirmation saying exactly what will happen, then the erasure itself
(bot/services/erasure.py). The buttons act only on the request they were made for, by its person
on its own message, once: a second tap is told it is done, never a second erasure."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.erasure import ErasureOutcome, ErasurePlan
from handlers import case_card
from handlers.withdraw import tell_handler

logger = logging.getLogger(__name__)


class EraseButton(CallbackData, prefix="erase"):
    """`yes` or `no` to the erasure request `request_id`."""

    action: str
    request_id: int


def plan_text(plan: ErasurePlan) -> str:
    """What the erasure will do, point by point (plain text)."""
    lines = [_("If you confirm, this is what will happen, at once:"),
             "• " + _("Your name, username and phone numbers are removed from everything Pingan holds.")]
    if plan.closed_cases:
        lines.append("• " + ngettext(
            "{count} closed report: what you wrote in it, the places, photos and voice notes are removed.",
            "{count} closed reports: what you wrote in them, the places, photos and voice notes are removed.",
            plan.closed_cases).format(count=plan.closed_cases))
    if plan.open_cases and plan.keep_open:
        lines.append("• " + ngettext(
            "{count} open report stays with the officers until it is closed, and is cleared then.",
            "{count} open reports stay with the officers until they are closed, and are cleared then.",
            plan.open_cases).format(count=plan.open_cases))
    elif plan.open_cases:
        lines.append("• " + ngettext(
            "{count} open report is closed as withdrawn by you and cleared; the officer is told.",
            "{count} open reports are closed as withdrawn by you and cleared; the officers are told.",
            plan.open_cases).format(count=plan.open_cases))
    if plan.joined_open:
        lines.append("• " + ngettext(
            "What you added to {count} open report of another resident is removed; it goes on.",
            "What you added to {count} open reports of other residents is removed; they go on.",
            plan.joined_open).format(count=plan.joined_open))
    if plan.tips:
        lines.append("• " + ngettext("{count} tip about an alert is removed.",
                                     "{count} tips about alerts are removed.", plan.tips).format(count=plan.tips))
    lines.append("• " + _("Anything you started and did not send is deleted."))
    lines += ["", _("The reports themselves stay only as numbers in the statistics, and the record of what staff "
                    "did keeps only that an erasure happened. This cannot be undone. For a copy first, send "
                    "/mydata.")]
    return "\n".join(lines)


def done_text(outcome: ErasureOutcome) -> str:
    text = _("Done: your data has been erased. Thank you for using Pingan; you can report again at any time "
             "with /report.")
    if outcome.waiting:
        text += "\n\n" + ngettext(
            "{count} open report will be cleared when it is closed.",
            "{count} open reports will be cleared when they are closed.", outcome.waiting).format(
            count=outcome.waiting)
    return text


async def erase_command(update: Update, context: PinganContext) -> None:
    """/erase: the confirmation, bound to this person and this message."""
    message = update.effective_message
    erasure = context.services.erasure
    plan = await erasure.offer(update.effective_user.id, message.chat_id)
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(_("🗑 Yes, erase my data"), callback_data=EraseButton("yes", plan.request_id).pack())],
        [InlineKeyboardButton(_("Keep my data"), callback_data=EraseButton("no", plan.request_id).pack())],
    ])
    shown = await message.reply_text(html.escape(plan_text(plan)), reply_markup=markup)
    await erasure.shown(plan.request_id, shown.message_id)


async def on_button(update: Update, context: PinganContext) -> None:
    """Erases (or keeps) for the request's own person on its own message; anything else is refused."""
    query = update.callback_query
    pressed = EraseButton.parse(query.data)
    if pressed is None or pressed.action not in ("yes", "no") or query.message is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    erasure = context.services.erasure
    user_id, chat_id, message_id = update.effective_user.id, query.message.chat_id, query.message.message_id
    if pressed.action == "no":
        if await erasure.cancel(pressed.request_id, user_id, chat_id, message_id):
            await query.edit_message_text(html.escape(_("Nothing was erased. Your data stays as it was.")))
            await query.answer()
            return
        await _already_decided(context, query, pressed, user_id)
        return
    outcome = await erasure.erase(pressed.request_id, user_id, chat_id, message_id)
    if outcome is None:
        await _already_decided(context, query, pressed, user_id)
        return
    await query.edit_message_text(html.escape(done_text(outcome)))
    await query.answer()
    for case_id in outcome.withdrawn:
        case = await context.services.reports.case(case_id)
        await case_card.refresh_card(context, case)
        await _tell_staff(context, case)


async def _already_decided(context: PinganContext, query, pressed: EraseButton, user_id: int) -> None:
    """A second tap, an old confirmation, or someone else's button: said in a pop-up, nothing edited."""
    state = await context.services.erasure.state_of(pressed.request_id, user_id)
    if state == "done":
        await query.answer(_("Your data has already been erased."))
    elif state == "cancelled":
        await query.answer(_("You chose to keep your data. Send /erase again if you change your mind."))
    else:
        await query.answer(_("This button is not for you. Send /erase in your own private chat with me."),
                           show_alert=True)


async def _tell_staff(context: PinganContext, case) -> None:
    """The owner hears the case was withdrawn (the staff chat, by reference only, if unowned)."""

    def render() -> str:
        return _("The reporter withdrew {ref} and asked for their data to be erased; what they wrote is "
                 "removed. Nothing more is needed. /case {ref}").format(ref=case.ref)

    await tell_handler(context, case, render)
