"""A reporter withdrawing their open report from /myreports (bot/services/withdrawals.py): the
Withdraw button, the reason as buttons, then the case is closed as withdrawn, its card updated and
its owner (or, unowned, the staff chat) told."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _, using_locale
from bot.services.case_states import IllegalTransition
from bot.services.errors import NotAllowed
from bot.services.withdrawals import WITHDRAW_REASONS
from handlers import case_card
from handlers.notify import tell_each
from handlers.report_labels import status_label
from storage.models import Case

logger = logging.getLogger(__name__)

REASON_LABELS = {
    "solved_myself": N_("I solved it myself"),
    "by_mistake": N_("I reported it by mistake"),
    "other": N_("Another reason"),
}


class WithdrawButton(CallbackData, prefix="wd"):
    """Withdrawing one's report: `ask` (the reasons), `do` with a reason, or `no` (keep it)."""

    action: str
    case_id: int
    reason: str = ""


def withdraw_button(case_id: int) -> InlineKeyboardButton:
    """The button under a reporter's open report in /myreports."""
    return InlineKeyboardButton(_("↩ Withdraw this report"), callback_data=WithdrawButton("ask", case_id).pack())


async def on_button(update: Update, context: PinganContext) -> None:
    """The reasons, the withdrawal itself, or keeping the report. Only its first reporter may."""
    query = update.callback_query
    pressed = WithdrawButton.parse(query.data)
    if pressed is None or pressed.action not in ("ask", "do", "no"):
        await query.answer(_("This button has expired. Please send /myreports again."), show_alert=True)
        return
    user_id = update.effective_user.id
    try:
        case = await context.services.reports.case_for_reporter(pressed.case_id, user_id)
    except NotAllowed:
        await query.answer(_("Sorry, you can only see your own reports."), show_alert=True)
        return
    if pressed.action == "ask":
        await _ask_reason(context, query, case, user_id)
    elif pressed.action == "no":
        await query.edit_message_text(html.escape(_("Your report {ref} stays open. Send /myreports to see it.")
                                                  .format(ref=case.ref)))
    elif pressed.reason in WITHDRAW_REASONS:
        await _withdraw(context, query, case, user_id, pressed.reason)
        return
    await query.answer()


async def _ask_reason(context: PinganContext, query, case: Case, user_id: int) -> None:
    if not await context.services.withdrawals.may_withdraw(case, user_id):
        await query.answer(_("This report can no longer be withdrawn."), show_alert=True)
        return
    rows = [[InlineKeyboardButton(label.translated(), callback_data=WithdrawButton("do", case.id, key).pack())]
            for key, label in REASON_LABELS.items()]
    rows.append([InlineKeyboardButton(_("« Keep my report"), callback_data=WithdrawButton("no", case.id).pack())])
    await query.edit_message_text(html.escape(_("Why do you want to withdraw your report {ref}? The community "
                                                "police will stop working on it.").format(ref=case.ref)),
                                  reply_markup=InlineKeyboardMarkup(rows))


async def _withdraw(context: PinganContext, query, case: Case, user_id: int, reason: str) -> None:
    try:
        case, changed = await context.services.withdrawals.withdraw(case.id, user_id, reason)
    except (NotAllowed, IllegalTransition):
        await query.answer(_("This report can no longer be withdrawn: it is {status} now.").format(
            status=status_label(case.status)), show_alert=True)
        return
    await query.edit_message_text(html.escape(_(
        "Your report {ref} is withdrawn. Thank you for letting us know. If anything changes, you can report "
        "again at any time with /report.").format(ref=case.ref)))
    if changed:
        await case_card.refresh_card(context, case)
        await _tell_staff(context, case, reason)
    await query.answer()


async def _tell_staff(context: PinganContext, case: Case, reason: str) -> None:
    """The owner hears of it (the supervisors if they are away); an unowned case's staff chat."""

    def render() -> str:
        return _("The reporter withdrew {ref}: {reason}. Nothing more is needed. /case {ref}").format(
            ref=case.ref, reason=REASON_LABELS[reason].translated())

    await tell_handler(context, case, render)


async def tell_handler(context: PinganContext, case: Case, render) -> None:
    """Tells whoever handles the case what `render()` says: its owner (the supervisors if they are
    away), or, unowned, its staff chat under the card (the text then names the case by reference only)."""
    if case.owner_id is not None:
        await tell_each(context, await context.services.handover.present([case.owner_id]), render)
        return
    staff_chat, card_id = await case_card.staff_card_of(context, case)
    if staff_chat is None:
        return
    with using_locale(context.services.config.default_language):
        text = render()
    try:
        await context.bot.send_message(staff_chat, html.escape(text), reply_to_message_id=card_id)
    except TelegramError:
        logger.exception("could not tell the staff chat that %s was withdrawn", case.ref)
