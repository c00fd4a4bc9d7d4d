"""What supervision (督办) adds to a case card: the Supervise button on an overdue case, its
picker of new deadlines, and the card's line saying who supervised it until when. The presses
are handled in handlers/case_supervise.py."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.supervision import EXTENSIONS
from handlers.moments import moment_words
from handlers.notify import person_name
from storage.models import OPEN_STATUSES, Case


class SuperviseButton(CallbackData, prefix="sup"):
    """Supervise `case_id`: `open` shows the picker, `ext` chooses the new deadline (`arg`), `back`
    returns to the card's buttons."""

    action: str
    case_id: int
    arg: str = ""


def supervise_row(case: Case) -> list[InlineKeyboardButton]:
    """The card's Supervise button (shown while the case is overdue)."""
    return [InlineKeyboardButton(_("⏰ Supervise"), callback_data=SuperviseButton("open", case.id).pack())]


def extension_label(extension: str, working: bool) -> str:
    """+4 hours, +1 day, +3 days — of working time when the case's limits are."""
    minutes = EXTENSIONS[extension]
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        text = (ngettext("+{count} working day", "+{count} working days", days) if working
                else ngettext("+{count} day", "+{count} days", days))
        return text.format(count=days)
    hours = minutes // 60
    text = (ngettext("+{count} working hour", "+{count} working hours", hours) if working
            else ngettext("+{count} hour", "+{count} hours", hours))
    return text.format(count=hours)


def picker_markup(case: Case, working: bool) -> InlineKeyboardMarkup:
    """The new deadlines to choose from, and Back."""
    choices = [InlineKeyboardButton(extension_label(key, working),
                                    callback_data=SuperviseButton("ext", case.id, key).pack()) for key in EXTENSIONS]
    back = InlineKeyboardButton(_("« Back"), callback_data=SuperviseButton("back", case.id).pack())
    return InlineKeyboardMarkup([choices, [back]])


async def supervision_line(context: PinganContext, case: Case) -> str | None:
    """"Supervised by … until …" for an open case that was supervised (plain text), else None."""
    if case.status not in OPEN_STATUSES:
        return None
    supervision = await context.services.supervision.latest(case.id)
    if supervision is None:
        return None
    until = moment_words(context, supervision.due_at)
    return _("⏰ Supervised by {name} until {time}").format(
        name=await person_name(context, supervision.supervisor_id), time=until)
