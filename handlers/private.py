"""The one router for private messages and /cancel: who may claim a message, in which order, and why.

Every private message that is not a command comes here. The claimants below are asked in order;
the first that takes the message has it, and nothing after it sees it. Dialogue modules never
import each other: each exposes `claim` and `cancel` for its drafts and this module orders them.
`/cancel` stops whatever the person's next message would have answered, in the same order.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import ReplyKeyboardRemove, Update

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.dialogues import DialogueName
from handlers import (
    addition,
    alert_compose,
    alert_tips,
    case_relay,
    case_text,
    fallback,
    group_area,
    library_entry,
    mediation_account,
    mediation_agreement,
    mediation_decline,
    mediation_slots,
    mediation_summary,
    report,
    report_edits,
    scam_check,
    scam_rule_dialogue,
    schedule_dialogue,
)
from handlers.dialogue import EDIT_NOT_TAKEN
from handlers.guards import pressed_in_own_private_chat
from handlers.mediation_turns import MediationRouting
from handlers.notify import locale_of
from storage.models import DialogueAnswer, Draft

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DialogueRoutes:
    """What the router and the sweep job call for one dialogue's drafts."""

    #: Takes a private message as the answer to this draft; False to let the next claimant try.
    claim: Callable[[Update, PinganContext, Draft], Awaitable[bool]]
    #: /cancel: ends the draft and says what became of it.
    cancel: Callable[[Update, PinganContext, Draft], Awaitable[None]]
    #: The sweep found the draft idle past its reminder time (policy `remind_after`).
    remind: Callable[[PinganContext, Draft], Awaitable[None]] | None = None
    #: The sweep found the draft past its time (it is already deleted, unless it closes its case).
    expired: Callable[[PinganContext, Draft], Awaitable[None]] | None = None
    #: An edit of a message that came to the open draft's question (`DialogueAnswer.state`, and
    #: whether it was taken): correct that answer, or say why not.
    correct: Callable[[Update, PinganContext, Draft, DialogueAnswer], Awaitable[None]] | None = None
    #: An edit of a message that answered question `state` of a dialogue whose case was sent.
    correct_sent: Callable[[Update, PinganContext, int, str], Awaitable[None]] | None = None


def _mediation(routing: MediationRouting) -> DialogueRoutes:
    """A mediation dialogue's routes: its messages, /cancel and edits (handlers/mediation_turns.py)."""
    return DialogueRoutes(routing.claim, routing.cancel, correct=routing.correct)


DIALOGUES: dict[DialogueName, DialogueRoutes] = {
    DialogueName.REPORT: DialogueRoutes(report.claim, report.cancel, report.remind, report.expired,
                                        correct=report_edits.correct, correct_sent=report_edits.correct_sent),
    DialogueName.ADDITION: DialogueRoutes(addition.claim, addition.cancel, correct=report_edits.correct_addition),
    DialogueName.ALERT: DialogueRoutes(alert_compose.claim, alert_compose.cancel, alert_compose.remind,
                                       alert_compose.expired),
    DialogueName.TIP: DialogueRoutes(alert_tips.claim, alert_tips.cancel, expired=alert_tips.expired),
    DialogueName.SCHEDULE: DialogueRoutes(schedule_dialogue.FORM.claim, schedule_dialogue.FORM.cancel),
    DialogueName.SCAM_CHECK: DialogueRoutes(scam_check.claim, scam_check.cancel),
    DialogueName.LIBRARY_ENTRY: DialogueRoutes(library_entry.FORM.claim, library_entry.FORM.cancel),
    DialogueName.SCAM_RULE: DialogueRoutes(scam_rule_dialogue.FORM.claim, scam_rule_dialogue.FORM.cancel),
    DialogueName.MEDIATION_SUMMARY: _mediation(mediation_summary.ROUTING),
    DialogueName.MEDIATION_DECLINE: _mediation(mediation_decline.ROUTING),
    DialogueName.MEDIATION_ACCOUNT: _mediation(mediation_account.ROUTING),
    DialogueName.MEDIATION_SLOTS: _mediation(mediation_slots.ROUTING),
    DialogueName.MEDIATION_AGREEMENT: _mediation(mediation_agreement.ROUTING),
}


async def open_dialogue(update: Update, context: PinganContext) -> bool:
    """The person's open dialogues, the one touched last first: the first that takes the message
    has it (someone who started a report after an alert is answering the report). Which question
    the message came to, and whether it changed the answers, is remembered for a later edit."""
    dialogues = context.services.dialogues
    for draft in await dialogues.open_drafts(update.effective_user.id):
        if await DIALOGUES[DialogueName(draft.dialogue)].claim(update, context, draft):
            after = await dialogues.get(draft.user_id, DialogueName(draft.dialogue))
            if after is not None:
                await dialogues.note_answer(draft, update.effective_message.message_id,
                                            taken=after.data != draft.data)
            return True
    return False


async def edited_message(update: Update, context: PinganContext) -> None:
    """An edited private message: never an answer to the question now asked. If it had answered
    an earlier question, its dialogue corrects that answer (or the case it went to gets the
    correction); an edit of anything else changes nothing."""
    answered = await context.services.dialogues.answer_of(update.effective_user.id,
                                                          update.effective_message.message_id)
    if answered is None:
        return
    dialogue = DialogueName(answered.dialogue)
    routes = DIALOGUES[dialogue]
    if answered.case_id is not None:
        if routes.correct_sent is not None:
            await routes.correct_sent(update, context, answered.case_id, answered.state)
        return
    draft = await context.services.dialogues.get(answered.user_id, dialogue)
    if draft is None:
        return
    if routes.correct is not None:
        await routes.correct(update, context, draft, answered)
    elif not answered.taken:
        await update.effective_message.reply_text(html.escape(EDIT_NOT_TAKEN.translated()))
    else:
        await update.effective_message.reply_text(html.escape(_(
            "I noticed you edited a message. An edit does not change an answer already given here; where a "
            "« Back » button is offered, you can use it to answer again.")))


#: Who may claim a private message, in order.
CLAIMANTS: tuple[Callable[[Update, PinganContext], Awaitable[bool]], ...] = (
    # A Telegram Reply to the "type the area" prompt of /groups: the reply says what it answers.
    group_area.area_reply,
    # A staff member pressed Note / Resolve / Reject / Ask on a card and now writes the text asked for.
    case_text.staff_text,
    # A Reply to a staff member's relayed question, or to the follow-up's comment prompt.
    case_relay.reporter_reply,
    # The answer to the person's open dialogue (report, addition, alert, tip, schedule, scam check).
    open_dialogue,
    # A forwarded message nobody asked for: someone asking "is this a scam?".
    scam_check.check_forwarded,
    # Typed without Reply: the answer staff have been waiting for (a week), a group's area (30 min).
    case_relay.reporter_plain_answer,
    group_area.area_typed,
)


async def private_message(update: Update, context: PinganContext) -> None:
    """Any private message that is not a command (an edited one: `edited_message`)."""
    if update.edited_message is not None:
        await edited_message(update, context)
        return
    for claimant in CLAIMANTS:
        if await claimant(update, context):
            return
    await fallback.unexpected_message(update, context)


async def cancel_command(update: Update, context: PinganContext) -> None:
    """/cancel in private: the text a card asked a staff member for, else the dialogue touched last."""
    if await case_text.cancel_pending_text(update, context):
        return
    drafts = await context.services.dialogues.open_drafts(update.effective_user.id)
    if not drafts:
        await update.effective_message.reply_text(html.escape(_("There is nothing to cancel.")),
                                                  reply_markup=ReplyKeyboardRemove())
        return
    draft = drafts[0]
    await DIALOGUES[DialogueName(draft.dialogue)].cancel(update, context, draft)


# --- moving from one dialogue to another --------------------------------------------------------

async def check_button(update: Update, context: PinganContext) -> None:
    """A scam check's buttons: "Report it" turns the check into a fraud report (with the message
    checked kept in it), which is the report dialogue's; the others are the check's own."""
    query = update.callback_query
    pressed = scam_check.CheckButton.parse(query.data)
    if pressed is None or pressed.action != "report" or not pressed_in_own_private_chat(query):
        await scam_check.on_button(update, context)  # which says a forged "report" has expired
        return
    await query.answer()
    # In an emergency the report asks at once whether it is happening now, and shows the numbers.
    await report.begin(context, update.effective_user.id, origin_group_id=None, kind="incident", category="fraud",
                       received_message=scam_check.checked_text(query.message))


# --- the sweep: one job for every dialogue's reminders and expiry -----------------------------------

async def sweep_dialogues(context: PinganContext) -> None:
    """Job: each dialogue's drafts past their time are ended, idle ones reminded once (the times
    are stored, so a restart changes nothing)."""
    dialogues = context.services.dialogues
    for draft in await dialogues.expire():
        await _call(DIALOGUES[DialogueName(draft.dialogue)].expired, context, draft)
    for draft in await dialogues.due_reminders():
        await _call(DIALOGUES[DialogueName(draft.dialogue)].remind, context, draft)


async def _call(hook, context: PinganContext, draft: Draft) -> None:
    if hook is None:
        return
    try:
        with using_locale(await locale_of(context, draft.user_id)):
            await hook(context, draft)
    except Exception:  # noqa: BLE001 - one person's failure must not stop the others' reminders
        logger.exception("dialogue sweep: %s draft of %s", draft.dialogue, draft.user_id)
