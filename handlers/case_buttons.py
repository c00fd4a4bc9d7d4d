"""The case card's buttons: accept, grade, assign, level, the pickers, History
(handlers/case_history.py), the full report (handlers/case_full_report.py), and the buttons that
ask the presser privately for a text (note, question, resolution, rejection reason, why a case is
reopened — a reopening is then confirmed)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.case_states import Action, IllegalTransition, can
from bot.services.cases import GRADES, LEVELS, OUTCOMES, REJECTIONS, CaseNotFound, Change, OwnReport
from bot.services.errors import NotAllowed
from bot.services.supervision import NotOverdue
from handlers import case_card, case_contact, case_corrections, case_full_report, case_history
from handlers.case_card import OPEN_PRIVATE_CHAT, CaseButton
from handlers.case_labels import outcome_fits
from handlers.case_news import route_grade, tell_new_owner, tell_reporters
from handlers.notify import locale_of, person_name
from handlers.report_labels import status_label
from storage.models import Case, CaseStatus

#: The card's pickers: views of its buttons that choose one value.
VIEWS = ("main", "assign", "level", "resolve", "reject")
#: The pickers that lead to one action: opened only while the case's status allows it.
PICKER_ACTIONS = {"assign": Action.ASSIGN, "resolve": Action.RESOLVE, "reject": Action.REJECT}
#: The buttons that ask for a text, and what the text is for (bot/services/cases.py `await_text`).
TEXT_PURPOSES = {"note": "note", "ask": "ask", "resolveto": "resolve", "rejectto": "reject", "reopen": "reopen"}
#: The staff_inputs purpose of a reopening: its detail holds the reason until it is confirmed.
REOPEN = "reopen"


async def on_button(update: Update, context: PinganContext) -> None:
    """Every card button. The callback data only names the case: the stored roles decide."""
    query = update.callback_query
    pressed = CaseButton.parse(query.data)
    if pressed is None:
        await query.answer(_("This button has expired."), show_alert=True)
        return
    if pressed.action == "contact":
        await case_contact.show_contact(update, context)
        return
    actor = update.effective_user.id
    # Pop-ups are read by the presser alone: their language. Cards and messages to others set
    # their own language explicitly.
    with using_locale(await locale_of(context, actor)):
        answer = await _act_politely(context, query, pressed, actor)
    if answer is not None:
        await query.answer(answer, show_alert=True)
        return
    await query.answer()


async def _act_politely(context: PinganContext, query, pressed: CaseButton, actor: int) -> str | None:
    """`_act`, with refusals turned into the pop-up text that explains them."""
    try:
        return await _act(context, query, pressed, actor)
    except OwnReport:
        return _("A case is never handled by someone who reported it: please give it to someone else.")
    except NotAllowed:
        return _("Sorry, you are not allowed to do this.")
    except IllegalTransition as illegal:
        # The press came from a stale card (another hand moved the case on): show it as it is now,
        # so that no picker for an action that is no longer possible stays under it.
        await case_card.refresh_card(context, await context.services.cases.case(pressed.case_id),
                                     also_message=query.message)
        return _("This case is {status} now, so that is not possible.").format(
            status=status_label(illegal.status))
    except (CaseNotFound, ValueError):
        return _("This button has expired.")


async def _act(context: PinganContext, query, pressed: CaseButton, actor: int) -> str | None:
    """Does what was pressed; returns a pop-up text when the presser must be told something."""
    workflow = context.services.cases
    action, case_id, arg = pressed.action, pressed.case_id, pressed.arg
    if action == "view":
        await workflow.history(case_id, actor)  # staff only, even to look at a picker
        case = await workflow.case(case_id)
        if arg in PICKER_ACTIONS and not can(PICKER_ACTIONS[arg], case.status):
            raise IllegalTransition(PICKER_ACTIONS[arg], case.status)
        await case_card.refresh_card(context, case, also_message=query.message, view=arg if arg in VIEWS else "main")
        return None
    if action == "accept":
        change = await workflow.accept(case_id, actor)
        if not change.changed:
            # The card pressed was stale (a kill took its redraw, or it is a copy): show it as it is now.
            await case_card.refresh_card(context, change.case, also_message=query.message)
            return _("Already accepted by {name}.").format(name=await person_name(context, change.case.owner_id))
        return await _after_change(context, query, change, tell=CaseStatus.ACCEPTED)
    if action == "grade" and arg in GRADES:
        change = await workflow.set_grade(case_id, actor, arg)
        if change.changed:
            await _after_change(context, query, change)
            await route_grade(context, change.case)
        return None
    if action == "assignto" and arg.isdigit():
        change = await workflow.assign(case_id, actor, int(arg))
        if not change.changed:
            return None
        unreached = await _after_change(context, query, change, tell=CaseStatus.IN_PROGRESS)
        await tell_new_owner(context, change.case, actor)
        return unreached
    if action == "levelto" and arg in LEVELS:
        await _after_level(context, query, await workflow.set_level(case_id, actor, arg))
        return None
    if action == "raise" and arg in LEVELS:
        try:
            change = await context.services.levels.raise_level(case_id, actor, arg)
        except NotOverdue:
            return _("This case is not overdue any more, so it stays at its level.")
        await _after_level(context, query, change)
        return None
    if action == "history":
        return await case_history.send_history(context, case_id, actor)
    if action == "full":
        return await case_full_report.send_full_report(context, case_id, actor) or _(
            "I have sent you the full report privately.")
    if action == "seen" and arg.isdigit():
        if await context.services.conversation.mark_seen(int(arg), actor):
            await query.edit_message_reply_markup(None)
        return None
    if action in case_corrections.ACTIONS:
        return await case_corrections.act(context, query, pressed, actor)
    if action in TEXT_PURPOSES:
        return await _ask_for_text(context, query, case_id, actor, TEXT_PURPOSES[action], arg)
    if action == "reopenyes":
        return await _confirm_reopen(context, query, case_id, actor)
    if action == "reopenno":
        pending = await workflow.pending_text(actor)
        if pending is not None and (pending.purpose, pending.case_id) == (REOPEN, case_id):
            await workflow.drop_pending_text(actor)
        case = await workflow.case(case_id)
        await query.edit_message_text(html.escape(_("{ref} stays as it was: not reopened.").format(ref=case.ref)))
        return None
    return _("This button has expired.")


def reopen_confirmation(case: Case) -> InlineKeyboardMarkup:
    """Yes or no to reopening, once the reason is written."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_("↩ Yes, reopen it"), callback_data=CaseButton("reopenyes", case.id).pack()),
        InlineKeyboardButton(_("No, leave it closed"), callback_data=CaseButton("reopenno", case.id).pack()),
    ]])


async def _confirm_reopen(context: PinganContext, query, case_id: int, actor: int) -> str | None:
    """Reopens the case with the reason the presser wrote; every card and the reporters follow."""
    workflow = context.services.cases
    pending = await workflow.pending_text(actor)
    if pending is None or (pending.purpose, pending.case_id) != (REOPEN, case_id) or not pending.detail:
        return _("This button has expired.")
    await workflow.drop_pending_text(actor)
    change = await workflow.reopen(case_id, actor, reason="staff", note=pending.detail)
    if not change.changed:
        return _("This case is {status} now, so that is not possible.").format(
            status=status_label(change.case.status))
    await query.edit_message_text(html.escape(_("{ref} is reopened.").format(ref=change.case.ref)))
    return await _after_change(context, None, change, tell=CaseStatus.REOPENED)


async def _after_change(context: PinganContext, query, change: Change, *,
                        tell: CaseStatus | None = None) -> str | None:
    """The card shows the change; the reporters hear of it if it is news to them. Returns the
    presser's pop-up when no reporter could be reached."""
    await case_card.refresh_card(context, change.case, also_message=query.message if query else None)
    if change.changed and tell is not None and not await tell_reporters(context, change.case, tell):
        return _("Done, but the reporter could not be reached to be told (they may have blocked the bot).")
    return None


async def _after_level(context: PinganContext, query, change: Change) -> None:
    """Every card shows the new level, and the level's chat gets the card (四事分办)."""
    await _after_change(context, query, change)
    if change.changed:
        await case_card.post_level_card(context, change.case)


async def _ask_for_text(context: PinganContext, query, case_id: int, actor: int, purpose: str,
                        detail: str) -> str:
    """The presser's next private message becomes the note / question / resolution / reason."""
    workflow = context.services.cases
    if purpose == "resolve" and detail not in OUTCOMES or purpose == "reject" and detail not in REJECTIONS:
        return _("This button has expired.")
    if purpose == "resolve" and not outcome_fits(await workflow.case(case_id), detail):
        return _("Mediation outcomes are for disputes only: please choose another outcome.")
    case = await workflow.await_text(case_id, actor, purpose, detail)
    if not await _ask_privately(context, actor, case, purpose):
        await workflow.drop_pending_text(actor)
        return OPEN_PRIVATE_CHAT.translated()
    await case_card.refresh_card(context, case, also_message=query.message)
    return _("I have sent you a private message: write it there.")


async def _ask_privately(context: PinganContext, actor: int, case: Case, purpose: str) -> bool:
    with using_locale(await locale_of(context, actor)):
        text = {
            "note": _("Write the internal note for {ref} (the reporter never sees notes). /cancel to stop."),
            "resolve": _("Write what was done for {ref}, in a few words: the reporter will read this. "
                         "/cancel to stop."),
            "reject": _("Write the reason for not taking up {ref}, politely: the reporter will read this. "
                        "/cancel to stop."),
            "ask": _("Write your question for the reporter of {ref}. It is passed on without your name. "
                     "/cancel to stop."),
            "reopen": _("Write why {ref} is reopened, in a few words: it is kept in its History, and you "
                        "confirm before anything changes. /cancel to stop."),
        }[purpose].format(ref=case.ref)
    try:
        await context.bot.send_message(actor, html.escape(text))
    except Forbidden:
        return False
    return True
