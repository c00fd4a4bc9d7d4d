"""The button families of mediation (issue 17) and the row the case card shows for a dispute.
Kept apart from the handlers so the card (handlers/case_card_markup.py) can draw the row without
importing them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.i18n import _
from storage.models import OPEN_STATUSES, Case


class MediateButton(CallbackData, prefix="med"):
    """A staff member's mediation button: `take` a dispute (on its card or a private offer), or a
    mediator's own buttons on their mediation: `newlink` (another invitation link), `slots` (propose
    meeting times), `outcome` (record the agreement or its absence), `reopen` (after a broken term)."""

    action: str
    target_id: int  # the case for `take`, the mediation otherwise


class ConsentButton(CallbackData, prefix="medc"):
    """The other party's answer on the consent screen: `join` or `decline` the invitation `token`."""

    action: str
    token: str


class PartyButton(CallbackData, prefix="medp"):
    """A party's buttons on their mediation: `account` (tell the mediator my side), `mine` (what I
    sent), `done` (finished telling)."""

    action: str
    mediation_id: int


def panel_markup(mediation_id: int) -> InlineKeyboardMarkup:
    """The mediator's buttons on their mediation once the other party joined."""
    slots = MediateButton("slots", mediation_id).pack()
    outcome = MediateButton("outcome", mediation_id).pack()
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("📅 Propose meeting times"), callback_data=slots)],
                                 [InlineKeyboardButton(_("📝 Record the outcome"), callback_data=outcome)]])


def mediation_rows(case: Case) -> list[list[InlineKeyboardButton]]:
    """The card's Mediate row: an open dispute only."""
    if case.kind != "dispute" or case.status not in OPEN_STATUSES:
        return []
    return [[InlineKeyboardButton(_("🤝 Mediate"), callback_data=MediateButton("take", case.id).pack())]]
