"""How mediation's stored keys and times are shown (issue 17): places of a meeting, its time."""

from __future__ import annotations

from datetime import date, datetime

from bot.context import PinganContext
from bot.datetext import day_text
from bot.i18n import N_, _, current_locale
from handlers.moments import moment_words
from storage.mediation_meetings import Slot

PLACE_LABELS = {"room": N_("the mediation room"), "site": N_("on site"), "remote": N_("by phone or video")}
PLACE_BUTTONS = {"room": N_("🏛 Mediation room"), "site": N_("🏠 On site"), "remote": N_("📞 Phone or video")}


def when_text(context: PinganContext, moment: datetime) -> str:
    """A meeting's time in the deployment's time zone, as the reader writes it: 3月5日 15:00."""
    return moment_words(context, moment)


def slot_text(context: PinganContext, slot: Slot) -> str:
    """Time and place of a slot, with the mediator's note on the place (plain text)."""
    place = PLACE_LABELS[slot.place].translated()
    if slot.place_note:
        place = _("{place} ({note})").format(place=place, note=slot.place_note)
    return _("{time}, {place}").format(time=when_text(context, slot.starts_at), place=place)

#: Who carries out a term, as the parties read it (roles, never names).
WHO_LABELS = {"reporter": N_("the reporter"), "other": N_("the other party"), "both": N_("both parties")}
REFERRAL_LABELS = {"court": N_("The people's court"), "arbitration": N_("Arbitration"),
                   "labour": N_("The labour inspection"), "agency": N_("Another agency"),
                   "none": N_("No referral")}


def term_line(who: str, text: str, due_on: date) -> str:
    """One term of an agreement: who, what, by when (plain text)."""
    return _("{who}: {what} (by {date})").format(who=WHO_LABELS[who].translated(), what=text,
                                                 date=day_text(due_on, current_locale.get()))
