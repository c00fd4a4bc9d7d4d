"""The card's staff-only contact button: the reporters' name, username and phone, and the exact
place they gave (a typed address, or that a map pin is in the Full report), in a pop-up for those
`privacy.contact_roles` names (bot/services/privacy.py); every look and every refusal is audited."""

from __future__ import annotations

from telegram import Update

from bot.context import PinganContext
from bot.i18n import _, using_locale
from bot.services.errors import NotAllowed
from handlers.case_card import CaseButton
from handlers.case_privacy import contact_refusal
from handlers.notify import locale_of
from storage.models import Case

#: Telegram's longest pop-up.
POPUP_LIMIT = 200


async def show_contact(update: Update, context: PinganContext) -> None:
    """Staff only: the reporters' contact and exact place in a private pop-up; every look is audited."""
    # The pop-up is read by the presser alone: their language, not the staff chat's.
    with using_locale(await locale_of(context, update.effective_user.id)):
        await _show_contact(update, context)


async def _show_contact(update: Update, context: PinganContext) -> None:
    query = update.callback_query
    pressed = CaseButton.parse(query.data)
    if pressed is None or pressed.action != "contact":
        await query.answer(_("This button has expired."), show_alert=True)
        return
    try:
        cards = await context.services.reports.view_contact(pressed.case_id, update.effective_user.id)
    except NotAllowed:
        await query.answer(contact_refusal(context.services.access.relations)[:POPUP_LIMIT], show_alert=True)
        return
    lines = []
    for card in cards:
        who = card.first_name + (f" @{card.username}" if card.username else "")
        role = _("reporter") if card.is_primary else _("also reported")
        if card.anonymous:
            lines.append(_("{role}: chose to stay anonymous").format(role=role))
        else:
            phone = card.phone or _("no phone given")
            lines.append(f"{role}: {who}, {phone}")
    case = await context.services.reports.case(pressed.case_id)
    place = exact_place_line(case) if case is not None else None
    if place:
        lines.append(place)
    await query.answer("\n".join(lines)[:POPUP_LIMIT] or _("No reporter on record."), show_alert=True)


def exact_place_line(case: Case) -> str | None:
    """The exact place the reporter gave, which the staff chat's card leaves out (plain text)."""
    where = case.details.get("where") or {}
    if "latitude" in where:
        return _("Place: a map pin (it is in the Full report)")
    if where.get("address"):
        return _("Place: {address}").format(address=where["address"])
    return None
