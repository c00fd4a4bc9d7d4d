"""The mediator records the outcome (issue 17): an agreement, term by term (who does what by
when), with an optional photo of the signed paper, sent to both parties to confirm; or no
agreement, with the reason and a referral. A dialogue on the kernel, drawn in
mediation_agreement.mmd; the parties' answers are mediation_compliance.py's."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.mediation_agreements import MAX_TERMS, REFERRALS, WHO
from handlers import mediation_compliance
from handlers.dialogue import Dialogue, Prompt, Turn
from handlers.mediation_labels import REFERRAL_LABELS, WHO_LABELS, term_line
from handlers.mediation_turns import Correction, MediationRouting
from storage.models import Draft

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
MAX_TERM_CHARS = 500


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    CHOOSING_OUTCOME = "outcome"
    CHOOSING_WHO = "who"
    TYPING_TERM = "term"
    TYPING_DUE = "due"
    REVIEWING_TERMS = "review"
    ADDING_PHOTO = "photo"
    TYPING_REASON = "reason"
    CHOOSING_REFERRAL = "referral"


class AgreementButton(CallbackData, prefix="medg"):
    """A choice in the outcome dialogue: its stable key (`agree`, `none`, a WHO or REFERRALS key,
    `more`, `photo`, `send`, `back`, `cancel`)."""

    action: str


def _button(label: str, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=AgreementButton(action).pack())


async def begin(context: PinganContext, mediator_id: int, mediation_id: int) -> None:
    """Starts recording the outcome (the mediator only: checked again when it is sent)."""
    await context.services.mediation.require_mediator(mediation_id, mediator_id)
    draft = await context.services.dialogues.start(mediator_id, DialogueName.MEDIATION_AGREEMENT,
                                                   State.CHOOSING_OUTCOME,
                                                   data={"mediation_id": mediation_id, "terms": [], "photo": None})
    await DIALOGUE.ask(context, mediator_id, draft)


async def _go(turn: Turn, state: State, **data) -> None:
    draft = await turn.services.dialogues.save(turn.draft, state=state, data={**turn.draft.data, **data})
    await DIALOGUE.ask(turn.context, turn.user_id, draft)


def _action(turn: Turn) -> str | None:
    return turn.pressed.action if turn.pressed is not None else None


async def choose_outcome(turn: Turn) -> None:
    """An agreement goes on to its first term; no agreement to the reason."""
    action = _action(turn)
    if action == "agree":
        await _go(turn, State.CHOOSING_WHO)
    elif action == "none":
        await _go(turn, State.TYPING_REASON)
    elif action == "cancel":
        await _stop(turn.context, turn.draft, ROUTING.cancelled.translated())
    else:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please use the buttons."))


async def choose_who(turn: Turn) -> None:
    """Who carries out the term."""
    action = _action(turn)
    if action in WHO:
        await _go(turn, State.TYPING_TERM, who=action)
    elif action == "back":
        await _go(turn, State.REVIEWING_TERMS if turn.draft.data["terms"] else State.CHOOSING_OUTCOME)
    else:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please use the buttons."))


async def type_term(turn: Turn) -> None:
    """What they will do."""
    if _action(turn) == "back":
        await _go(turn, State.CHOOSING_WHO)
        return
    text = (turn.text or "").strip()
    problem = _term_problem(text)
    if problem is not None:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=problem)
        return
    await _go(turn, State.TYPING_DUE, term=text)


def _term_problem(text: str) -> str | None:
    """Why a term typed is refused, or None."""
    if not text or len(text) > MAX_TERM_CHARS:
        return _("Please write the term as text, at most {limit} characters.").format(limit=MAX_TERM_CHARS)
    return None


def _amend_term(context: PinganContext, data: dict, text: str) -> dict | str:
    """An edit of the term whose date is asked now: it replaces the term."""
    return _term_problem(text) or {**data, "term": text}


async def type_due(turn: Turn) -> None:
    """By when: a date today or later."""
    if _action(turn) == "back":
        await _go(turn, State.TYPING_TERM)
        return
    due = _due_of(turn.context, turn.text or "")
    if isinstance(due, str):
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=due)
        return
    data = turn.draft.data
    terms = [*data["terms"], {"who": data["who"], "text": data["term"], "due": due.isoformat()}]
    await _go(turn, State.REVIEWING_TERMS, terms=terms)


def _due_of(context: PinganContext, text: str) -> date | str:
    """The date typed, or why it is refused: it must be a date from today on."""
    due = _parse_date(text)
    today = context.services.clock.now().astimezone(context.services.config.tzinfo).date()
    if due is None or due < today:
        return _("Please type a date from today on, like this: 2026-03-20")
    return due


def _amend_due(context: PinganContext, data: dict, text: str) -> dict | str:
    """An edit of the date of the term added last: it replaces that date."""
    due = _due_of(context, text)
    if isinstance(due, str):
        return due
    return {**data, "terms": [*data["terms"][:-1], {**data["terms"][-1], "due": due.isoformat()}]}


def _parse_date(text: str) -> date | None:
    match = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


async def review_terms(turn: Turn) -> None:
    """Another term, a photo of the signed paper, or send it to both parties."""
    action = _action(turn)
    if action == "more" and len(turn.draft.data["terms"]) < MAX_TERMS:
        await _go(turn, State.CHOOSING_WHO)
    elif action == "photo":
        await _go(turn, State.ADDING_PHOTO)
    elif action == "send":
        await _send_agreement(turn)
    elif action == "cancel":
        await _stop(turn.context, turn.draft, ROUTING.cancelled.translated())
    else:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please use the buttons."))


async def add_photo(turn: Turn) -> None:
    """The photo of the signed agreement (Back: without one)."""
    if _action(turn) == "back":
        await _go(turn, State.REVIEWING_TERMS)
        return
    photos = turn.message.photo if turn.update is not None and turn.update.message is not None else None
    if not photos:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please send a photo."))
        return
    await _go(turn, State.REVIEWING_TERMS, photo=photos[-1].file_id)


async def type_reason(turn: Turn) -> None:
    """Why there is no agreement."""
    if _action(turn) == "back":
        await _go(turn, State.CHOOSING_OUTCOME)
        return
    reason = _reason_of(turn.text or "")
    if reason is None:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please write the reason as text."))
        return
    await _go(turn, State.CHOOSING_REFERRAL, reason=reason)


def _reason_of(text: str) -> str | None:
    """The reason as kept (cut to a term's length), or None for no text."""
    return text.strip()[:MAX_TERM_CHARS] or None


def _amend_reason(context: PinganContext, data: dict, text: str) -> dict | str:
    """An edit of the reason while the referral is asked: it replaces the reason."""
    reason = _reason_of(text)
    return {**data, "reason": reason} if reason is not None else _("Please write the reason as text.")


async def choose_referral(turn: Turn) -> None:
    """Where the parties are referred: the mediation ends without agreement."""
    action = _action(turn)
    if action not in REFERRALS:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please use the buttons."))
        return
    try:
        mediation = await turn.services.agreements.record_no_agreement(
            turn.draft.data["mediation_id"], turn.user_id, turn.draft.data["reason"], action)
    except NotAllowed:
        await _stop(turn.context, turn.draft, _("Sorry, this mediation cannot be ended now."))
        return
    await _stop(turn.context, turn.draft, _("Recorded: no agreement. Both parties have been told."))
    await mediation_compliance.tell_no_agreement(turn.context, mediation)


async def _send_agreement(turn: Turn) -> None:
    data = turn.draft.data
    terms = [(t["who"], t["text"], date.fromisoformat(t["due"])) for t in data["terms"]]
    try:
        mediation = await turn.services.agreements.record_agreement(data["mediation_id"], turn.user_id, terms,
                                                                    data.get("photo"))
    except (NotAllowed, ValueError):
        await _stop(turn.context, turn.draft, _("Sorry, this agreement cannot be recorded now."))
        return
    await _stop(turn.context, turn.draft, _("Sent to both parties to confirm. I will tell you their answers."))
    await mediation_compliance.ask_to_confirm(turn.context, mediation)


async def _stop(context: PinganContext, draft: Draft, text: str) -> None:
    await ROUTING.stop(context, draft)
    await context.bot.send_message(draft.user_id, html.escape(text))


# --- the render table ------------------------------------------------------------------------------

async def ask_outcome(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("What was the outcome of the mediation?")), InlineKeyboardMarkup([
        [_button(_("🤝 An agreement"), "agree")], [_button(_("No agreement"), "none")],
        [_button(_("✖ Cancel"), "cancel")]]))


async def ask_who(context: PinganContext, draft: Draft) -> Prompt:
    rows = [[_button(WHO_LABELS[key].translated().capitalize(), key)] for key in WHO]
    return Prompt(html.escape(_("Who will do it?")), InlineKeyboardMarkup([*rows, [_button(_("« Back"), "back")]]))


async def ask_term(context: PinganContext, draft: Draft) -> Prompt:
    text = _("What will {who} do? For example: no loud music after 22:00.").format(
        who=WHO_LABELS[draft.data["who"]].translated())
    return Prompt(html.escape(text), InlineKeyboardMarkup([[_button(_("« Back"), "back")]]))


async def ask_due(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("By when? Type a date, for example: 2026-03-20")),
                  InlineKeyboardMarkup([[_button(_("« Back"), "back")]]))


async def ask_review(context: PinganContext, draft: Draft) -> Prompt:
    lines = [_("The agreement so far:")]
    lines += [f"{n}. {term_line(t['who'], t['text'], date.fromisoformat(t['due']))}"
              for n, t in enumerate(draft.data["terms"], start=1)]
    if draft.data.get("photo"):
        lines.append(_("With a photo of the signed paper."))
    rows = []
    if len(draft.data["terms"]) < MAX_TERMS:
        rows.append([_button(_("➕ Add a term"), "more")])
    rows.append([_button(_("📷 Add a photo of the signed paper"), "photo")])
    rows.append([_button(_("📨 Send to both parties to confirm"), "send")])
    rows.append([_button(_("✖ Cancel"), "cancel")])
    return Prompt(html.escape("\n".join(lines)), InlineKeyboardMarkup(rows))


async def ask_photo(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("Send the photo of the signed agreement.")),
                  InlineKeyboardMarkup([[_button(_("« Back"), "back")]]))


async def ask_reason(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("Why was there no agreement? A short sentence is enough.")),
                  InlineKeyboardMarkup([[_button(_("« Back"), "back")]]))


async def ask_referral(context: PinganContext, draft: Draft) -> Prompt:
    rows = [[_button(REFERRAL_LABELS[key].translated(), key)] for key in REFERRALS]
    return Prompt(html.escape(_("Where can the parties turn now?")), InlineKeyboardMarkup(rows))


DIALOGUE = Dialogue(
    name=DialogueName.MEDIATION_AGREEMENT, states=State,
    steps={State.CHOOSING_OUTCOME: choose_outcome, State.CHOOSING_WHO: choose_who, State.TYPING_TERM: type_term,
           State.TYPING_DUE: type_due, State.REVIEWING_TERMS: review_terms, State.ADDING_PHOTO: add_photo,
           State.TYPING_REASON: type_reason, State.CHOOSING_REFERRAL: choose_referral},
    prompts={State.CHOOSING_OUTCOME: ask_outcome, State.CHOOSING_WHO: ask_who, State.TYPING_TERM: ask_term,
             State.TYPING_DUE: ask_due, State.REVIEWING_TERMS: ask_review, State.ADDING_PHOTO: ask_photo,
             State.TYPING_REASON: ask_reason, State.CHOOSING_REFERRAL: ask_referral},
    diagram=Path(__file__).with_suffix(".mmd"),
)


ROUTING = MediationRouting(
    DIALOGUE, N_("Cancelled. Nothing was recorded."), AgreementButton,
    corrections={
        State.TYPING_TERM: Correction(N_("the term"), State.TYPING_DUE, _amend_term),
        State.TYPING_DUE: Correction(N_("the date"), State.REVIEWING_TERMS, _amend_due),
        State.TYPING_REASON: Correction(N_("the reason"), State.CHOOSING_REFERRAL, _amend_reason),
    },
)
