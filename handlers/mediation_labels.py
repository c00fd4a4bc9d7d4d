"""How mediation's stored keys and times are shown (issue 17): places of a meeting, its time."""

from __future__ import annotations

from datetime import datetime

from bot.context import PinganContext
from bot.i18n import N_, _
from storage.mediation_meetings import Slot

PLACE_LABELS = {"room": N_("the mediation room"), "site": N_("on site"), "remote": N_("by phone or video")}
PLACE_BUTTONS = {"room": N_("🏛 Mediation room"), "site": N_("🏠 On site"), "remote": N_("📞 Phone or video")}


def when_text(context: PinganContext, moment: datetime) -> str:
    """A meeting's time in the deployment's time zone: 2026-03-05 15:00."""
    return moment.astimezone(context.services.config.tzinfo).strftime("%Y-%m-%d %H:%M")


def slot_text(context: PinganContext, slot: Slot) -> str:
    """Time and place of a slot, with the mediator's note on the place (plain text)."""
    place = PLACE_LABELS[slot.place].translated()
    if slot.place_note:
        place = _("{place} ({note})").format(place=place, note=slot.place_note)
    return _("{time}, {place}").format(time=when_text(context, slot.starts_at), place=place)
