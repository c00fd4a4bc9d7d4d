"""After declining an invitation to mediation (issue 17): the optional reason, for the mediator.
A dialogue of one state on the kernel, drawn in mediation_decline.mmd."""

from __future__ import annotations

import html
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from handlers.dialogue import Dialogue, Prompt, Turn
from handlers.mediation_notify import send
from handlers.mediation_turns import MediationRouting
from storage.mediation import Mediation
from storage.models import Draft

MAX_REASON_CHARS = 1000


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    TYPING_REASON = "reason"


class DeclineButton(CallbackData, prefix="medd"):
    """`skip`: no reason given."""

    action: str


async def begin(context: PinganContext, user_id: int, mediation: Mediation) -> None:
    """Asks, gently, whether they want to say why."""
    draft = await context.services.dialogues.start(user_id, DialogueName.MEDIATION_DECLINE, State.TYPING_REASON,
                                                   data={"mediation_id": mediation.id})
    await DIALOGUE.ask(context, user_id, draft)


async def take_reason(turn: Turn) -> None:
    """The reason typed goes to the mediator; "No, thank you" ends it without one."""
    await ROUTING.stop(turn.context, turn.draft)
    reason = (turn.text or "").strip()[:MAX_REASON_CHARS] if turn.pressed is None else ""
    if reason:
        try:
            mediation = await turn.services.mediation.give_decline_reason(turn.draft.data["mediation_id"],
                                                                          turn.user_id, reason)
        except NotAllowed:
            mediation = None
        if mediation is not None:
            await _tell_mediator_reason(turn.context, mediation, reason)
    await turn.context.bot.send_message(turn.user_id, html.escape(_(
        "Thank you. Your answer has been passed on to the mediator. Nothing else will be asked of you.")))


async def _tell_mediator_reason(context: PinganContext, mediation: Mediation, reason: str) -> None:
    case = await context.services.mediation.case_of(mediation)
    await send(context, mediation.mediator_id, lambda: _(
        "The other party of {ref} gave this reason for declining: {reason}").format(ref=case.ref, reason=reason))


async def ask_reason(context: PinganContext, draft: Draft) -> Prompt:
    text = _("Thank you for letting us know. If you like, write a few words about why, for the mediator. You can "
             "also just tap the button.")
    skip = InlineKeyboardButton(_("No, thank you"), callback_data=DeclineButton("skip").pack())
    return Prompt(html.escape(text), InlineKeyboardMarkup([[skip]]))


DIALOGUE = Dialogue(
    name=DialogueName.MEDIATION_DECLINE, states=State,
    steps={State.TYPING_REASON: take_reason},
    prompts={State.TYPING_REASON: ask_reason},
    diagram=Path(__file__).with_suffix(".mmd"),
)


ROUTING = MediationRouting(DIALOGUE, N_("All right. Thank you."), DeclineButton)
