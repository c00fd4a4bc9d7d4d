"""The mediator proposes meeting times (issue 17): a place (mediation room, on site, phone or
video), then the date and time typed, as many as needed (up to five), then Send to both parties.
A dialogue on the kernel, drawn in mediation_slots.mmd; the parties' side is mediation_picks.py."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.mediation_meetings import MAX_SLOTS, PLACES
from handlers import mediation_picks
from handlers.dialogue import Dialogue, Prompt, Turn
from handlers.mediation_labels import PLACE_BUTTONS, PLACE_LABELS, when_text
from handlers.mediation_turns import Correction, MediationRouting
from storage.models import Draft

_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2})[:：](\d{2})\s*(.*)$", re.S)


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    CHOOSING_PLACE = "place"
    TYPING_TIME = "time"


class SlotsButton(CallbackData, prefix="medt"):
    """A place to add a time at, `send` to both parties, `back` to the places, or `cancel`."""

    action: str


async def begin(context: PinganContext, mediator_id: int, mediation_id: int) -> None:
    """Starts a round of times (the mediator only: checked again when they are sent)."""
    await context.services.mediation.require_mediator(mediation_id, mediator_id)
    draft = await context.services.dialogues.start(mediator_id, DialogueName.MEDIATION_SLOTS, State.CHOOSING_PLACE,
                                                   data={"mediation_id": mediation_id, "times": []})
    await DIALOGUE.ask(context, mediator_id, draft)


async def choose_place(turn: Turn) -> None:
    """A place goes on to its time; Send proposes the times to both parties."""
    action = turn.pressed.action if turn.pressed is not None else None
    if action in PLACES and len(turn.draft.data["times"]) < MAX_SLOTS:
        draft = await turn.services.dialogues.save(turn.draft, state=State.TYPING_TIME,
                                                   data={**turn.draft.data, "place": action})
        await DIALOGUE.ask(turn.context, turn.user_id, draft)
    elif action == "send" and turn.draft.data["times"]:
        await _send(turn)
    elif action == "cancel":
        await ROUTING.stop(turn.context, turn.draft)
        await turn.context.bot.send_message(turn.user_id, html.escape(ROUTING.cancelled.translated()))
    else:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please use the buttons."))


async def type_time(turn: Turn) -> None:
    """The date and time (and, after it, where exactly); a time in the past is refused."""
    if turn.pressed is not None:  # « Back
        draft = await turn.services.dialogues.save(turn.draft, state=State.CHOOSING_PLACE)
        await DIALOGUE.ask(turn.context, turn.user_id, draft)
        return
    time = _time_of(turn.context, turn.draft.data["place"], turn.text or "")
    if isinstance(time, str):
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=time)
        return
    draft = await turn.services.dialogues.save(turn.draft, state=State.CHOOSING_PLACE,
                                               data={**turn.draft.data, "times": [*turn.draft.data["times"], time]})
    await DIALOGUE.ask(turn.context, turn.user_id, draft)


def _time_of(context: PinganContext, place: str, text: str) -> dict | str:
    """A time as the draft keeps it, or why the text is refused (a time in the past too)."""
    starts_at, note = _parse_time(context, text)
    if starts_at is None:
        return _("Please type the date and time like this: 2026-03-05 15:00")
    if starts_at <= context.services.clock.now():
        return _("That time has already passed.")
    return {"place": place, "note": note, "starts_at": starts_at.isoformat()}


def _amend_time(context: PinganContext, data: dict, text: str) -> dict | str:
    """An edit of the time last typed: it replaces that time, at the same place."""
    time = _time_of(context, data["times"][-1]["place"], text)
    return time if isinstance(time, str) else {**data, "times": [*data["times"][:-1], time]}


def _parse_time(context: PinganContext, text: str) -> tuple[datetime | None, str]:
    """`2026-03-05 15:00 Room 2` → the moment (deployment time zone) and the note after it."""
    match = _TIME.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None, ""
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    try:
        moment = datetime(year, month, day, hour, minute, tzinfo=context.services.config.tzinfo)
    except ValueError:
        return None, ""
    return moment, match.group(6).strip()[:100]


async def _send(turn: Turn) -> None:
    times = [(t["place"], t["note"], datetime.fromisoformat(t["starts_at"])) for t in turn.draft.data["times"]]
    try:
        mediation = await turn.services.meetings.propose(turn.draft.data["mediation_id"], turn.user_id, times)
    except (NotAllowed, ValueError):
        await ROUTING.stop(turn.context, turn.draft)
        await turn.context.bot.send_message(turn.user_id, html.escape(_(
            "Sorry, these times cannot be sent: the other party must have joined, and every time must be in the "
            "future.")))
        return
    await ROUTING.stop(turn.context, turn.draft)
    await turn.context.bot.send_message(turn.user_id, html.escape(_(
        "Sent to both parties. I will tell you what they choose.")))
    await mediation_picks.offer_times(turn.context, mediation)


async def ask_place(context: PinganContext, draft: Draft) -> Prompt:
    lines = [_("Meeting times to propose to both parties:")]
    for item in draft.data["times"]:
        place = PLACE_LABELS[item["place"]].translated()
        if item["note"]:
            place = _("{place} ({note})").format(place=place, note=item["note"])
        when = when_text(context, datetime.fromisoformat(item["starts_at"]))
        lines.append("• " + _("{time}, {place}").format(time=when, place=place))
    if not draft.data["times"]:
        lines.append(_("(none yet)"))
    lines += ["", _("Where is the next one? Tap a place.")]
    rows = [[InlineKeyboardButton(PLACE_BUTTONS[p].translated(), callback_data=SlotsButton(p).pack())]
            for p in PLACES] if len(draft.data["times"]) < MAX_SLOTS else []
    if draft.data["times"]:
        rows.append([InlineKeyboardButton(_("📨 Send to both parties"), callback_data=SlotsButton("send").pack())])
    rows.append([InlineKeyboardButton(_("✖ Cancel"), callback_data=SlotsButton("cancel").pack())])
    return Prompt(html.escape("\n".join(lines)), InlineKeyboardMarkup(rows))


async def ask_time(context: PinganContext, draft: Draft) -> Prompt:
    text = _("Type the date and time, for example: 2026-03-05 15:00. You may add where exactly after it, for "
             "example: 2026-03-05 15:00 Community centre, room 2")
    back = InlineKeyboardButton(_("« Back"), callback_data=SlotsButton("back").pack())
    return Prompt(html.escape(text), InlineKeyboardMarkup([[back]]))


DIALOGUE = Dialogue(
    name=DialogueName.MEDIATION_SLOTS, states=State,
    steps={State.CHOOSING_PLACE: choose_place, State.TYPING_TIME: type_time},
    prompts={State.CHOOSING_PLACE: ask_place, State.TYPING_TIME: ask_time},
    diagram=Path(__file__).with_suffix(".mmd"),
)


ROUTING = MediationRouting(
    DIALOGUE, N_("Cancelled. No times were sent."), SlotsButton,
    corrections={State.TYPING_TIME: Correction(N_("the meeting time"), State.CHOOSING_PLACE, _amend_time)},
)
