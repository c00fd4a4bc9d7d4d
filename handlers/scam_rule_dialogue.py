"""Adding to the scam rules (/scamrules → "Add a phrase or signal"), for officers, supervisors and
administrators in private: the fraud type, then a signal of it (or a new signal), the phrase, for
a new signal its meaning and weight, then a preview of which of the checks still kept it would
have matched, and Save.

On the dialogue kernel (handlers/dialogue.py, docs/dialogues.md), drawn in scam_rule_dialogue.mmd:
the draft is saved after every answer, so a restart in the middle loses nothing; every question
after the first has Back, every one Cancel. The rules are bot/services/scam_rules.py's, which
re-checks the roles and the addition when it is saved.
"""

from __future__ import annotations

import html
import re
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _, ngettext
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.scam_rules import MAX_MEANING_CHARS, WEIGHTS, RuleAddition, RuleProblem, may_edit_rules
from handlers.dialogue import Dialogue, Prompt, Turn, strip_buttons
from handlers.dialogue_form import Form, FormTexts
from storage.models import Draft

_SEPARATOR = re.compile(r"\s*[|｜]\s*")


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    CHOOSING_TYPE = "choosing_type"
    CHOOSING_SIGNAL = "choosing_signal"
    TYPING_PHRASE = "typing_phrase"
    TYPING_MEANING = "typing_meaning"
    CHOOSING_WEIGHT = "choosing_weight"
    CONFIRMING = "confirming"


TYPED = frozenset({State.TYPING_PHRASE, State.TYPING_MEANING})


class ScamRuleButton(CallbackData, prefix="srule"):
    """A button of the dialogue: `type` (key: a type id), `sig` (key: a signal id), `new` (a new
    signal), `w` (key: a weight), `save`, `back`, `cancel`."""

    action: str
    key: str = ""


def addition_of(data: dict) -> RuleAddition:
    return RuleAddition(type_id=data["type_id"], signal_id=data.get("signal_id"), phrase=data["phrase"],
                        say_zh=data.get("say_zh"), say_en=data.get("say_en"), weight=data.get("weight"))


def problem_text(code: str) -> str:
    """Why an addition cannot be made, for the officer (plain text)."""
    texts = {
        "too_short": _("A phrase needs at least two letters or characters; one character would match almost "
                       "every message."),
        "too_long": _("That phrase is too long: scammers' words vary, so a short phrase catches more. Please send "
                      "at most 40 characters."),
        "known": _("The type already has that phrase."),
        "incomplete": _("The new signal needs its meaning in both languages and a weight."),
        "unknown_type": _("That fraud type is no longer in the rules. Send /scamrules to start again."),
        "unknown_signal": _("That signal is no longer in the rules. Send /scamrules to start again."),
        "gone": _("That addition was already removed."),
    }
    return texts.get(code, _("Sorry, that did not work."))


# --- the steps: one per state -------------------------------------------------------------------

async def choose_type(turn: Turn) -> None:
    """Stores the fraud type; asks which of its signals the phrase belongs to."""
    if turn.pressed.action != "type" or turn.pressed.key not in turn.services.scam_rules.library.types:
        await FORM.expired(turn)
        return
    await FORM.advance(turn, State.CHOOSING_SIGNAL, type_id=turn.pressed.key)


async def choose_signal(turn: Turn) -> None:
    """Stores the signal (or a new one); asks for the phrase."""
    fraud = turn.services.scam_rules.library.types.get(turn.draft.data["type_id"])
    press = turn.pressed
    if press.action == "sig" and fraud is not None and press.key in fraud.signals:
        await FORM.advance(turn, State.TYPING_PHRASE, signal_id=press.key)
    elif press.action == "new" and fraud is not None:
        await FORM.advance(turn, State.TYPING_PHRASE, signal_id=None)
    else:
        await FORM.expired(turn)


async def type_phrase(turn: Turn) -> None:
    """Checks the phrase; asks for a new signal's meaning, else shows the preview."""
    phrase = " ".join((turn.text or "").split())
    if not phrase:
        await FORM.ask_again(turn, _("Please send the phrase as text."))
        return
    data = {**turn.draft.data, "phrase": phrase}
    new_signal = data.get("signal_id") is None
    problem = turn.services.scam_rules.problem(addition_of({**data, "say_zh": "-", "say_en": "-", "weight": 1}))
    if problem is not None:
        await FORM.ask_again(turn, problem_text(problem))
        return
    await FORM.advance(turn, State.TYPING_MEANING if new_signal else State.CONFIRMING, phrase=phrase)


async def type_meaning(turn: Turn) -> None:
    """Stores what the new signal means, Chinese | English; asks for its weight."""
    parts = _SEPARATOR.split((turn.text or "").strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        await FORM.ask_again(turn, _("Please give the meaning in both languages, Chinese first, separated by |."))
        return
    if max(len(parts[0]), len(parts[1])) > MAX_MEANING_CHARS:
        await FORM.ask_again(turn, _("That is too long: at most {limit} characters per language.").format(
            limit=MAX_MEANING_CHARS))
        return
    await FORM.advance(turn, State.CHOOSING_WEIGHT, say_zh=parts[0].strip(), say_en=parts[1].strip())


async def choose_weight(turn: Turn) -> None:
    """Stores the new signal's weight; shows the preview."""
    if turn.pressed.action != "w" or not turn.pressed.key.isdigit() or int(turn.pressed.key) not in WEIGHTS:
        await FORM.expired(turn)
        return
    await FORM.advance(turn, State.CONFIRMING, weight=int(turn.pressed.key))


async def confirm(turn: Turn) -> None:
    """Saves the addition (re-checked by the service): in use from the next check."""
    if turn.pressed.action != "save" or "phrase" not in turn.draft.data:
        await FORM.expired(turn)
        return
    await turn.services.dialogues.drop(turn.user_id, DialogueName.SCAM_RULE)
    await strip_buttons(turn.context, turn.chat_id, turn.draft.prompt_message_id)
    try:
        edit_id = await turn.services.scam_rules.add(turn.user_id, turn.context.roles, addition_of(turn.draft.data))
    except NotAllowed:
        await turn.answer(_("Sorry, you are not allowed to do this."), alert=True)
        return
    except RuleProblem as problem:
        await turn.answer()
        await turn.context.bot.send_message(turn.chat_id, html.escape(problem_text(problem.code)))
        return
    await turn.answer(_("Saved."))
    await turn.context.bot.send_message(turn.chat_id, html.escape(_(
        "Added (#{id}). It is used from the next check on; /scamrules lists it with a button to remove it.").format(
        id=edit_id)))


# --- the render table ---------------------------------------------------------------------------

def _button(text: str, action: str, key: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=ScamRuleButton(action, key).pack())


def _type_name(context: PinganContext, type_id: str) -> str:
    return context.services.scam_rules.library.types[type_id].name(context.locale)


async def ask_type(context: PinganContext, draft: Draft) -> Prompt:
    types = context.services.scam_rules.library.types
    rows = [[_button(fraud.name(context.locale), "type", type_id)] for type_id, fraud in types.items()]
    return Prompt(html.escape(_("Which kind of fraud is it? The phrase you add will count for it.")),
                  InlineKeyboardMarkup([*rows, FORM.back_cancel_row(draft)]))


async def ask_signal(context: PinganContext, draft: Draft) -> Prompt:
    rules = context.services.scam_rules
    type_id = draft.data["type_id"]
    rows = [[_button(rules.checker.signal_text(sid, context.locale), "sig", sid)]
            for sid in rules.library.types[type_id].signals]
    rows.append([_button(_("➕ A new signal"), "new")])
    return Prompt(html.escape(_("{kind}: which sign of it does the phrase show? Or add a new signal.").format(
        kind=_type_name(context, type_id))), InlineKeyboardMarkup([*rows, FORM.back_cancel_row(draft)]))


async def ask_phrase(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_(
        "Send the phrase, as scammers write it (e.g. 安全账户). Spaces, symbols and full-width forms are ignored "
        "when matching, so write it plainly.")), InlineKeyboardMarkup([FORM.back_cancel_row(draft)]))


async def ask_meaning(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_(
        "What does the new signal mean, as residents will read it under “Why”? Chinese first, then English, "
        "separated by |, e.g. 要求下载陌生软件 | asks you to install an unknown app")),
        InlineKeyboardMarkup([FORM.back_cancel_row(draft)]))


async def ask_weight(context: PinganContext, draft: Draft) -> Prompt:
    threshold = context.services.scam_rules.library.threshold
    text = ngettext("How much does it weigh? A message is named as the type when its signals weigh {threshold} "
                    "point together.",
                    "How much does it weigh? A message is named as the type when its signals weigh {threshold} "
                    "points together.", threshold).format(threshold=threshold)
    weights = [_button(str(weight), "w", str(weight)) for weight in WEIGHTS]
    return Prompt(html.escape(text), InlineKeyboardMarkup([weights, FORM.back_cancel_row(draft)]))


async def ask_to_confirm(context: PinganContext, draft: Draft) -> Prompt:
    """The addition, and what it would have matched among the checks kept (the preview)."""
    rules = context.services.scam_rules
    addition = addition_of(draft.data)
    signal = (rules.checker.signal_text(addition.signal_id, context.locale) if addition.signal_id
              else (addition.say_en if context.locale == "en" else addition.say_zh) or "")
    preview = await rules.preview(addition)
    lines = [html.escape(_("Add “{phrase}” to {kind} — {signal}?").format(
        phrase=addition.phrase, kind=_type_name(context, addition.type_id), signal=signal)), ""]
    lines.append(html.escape(ngettext(
        "Of the {looked} check kept, it appears in {matched}; {newly} of them would now be named as this type.",
        "Of the {looked} checks kept, it appears in {matched}; {newly} of them would now be named as this type.",
        preview.looked_at).format(looked=preview.looked_at, matched=preview.matched, newly=preview.newly_named)))
    for sample in preview.samples:
        lines.append(f"<blockquote>{html.escape(sample)}</blockquote>")
    markup = InlineKeyboardMarkup([[_button(_("✅ Save"), "save")], FORM.back_cancel_row(draft)])
    return Prompt("\n".join(lines), markup)


# --- entry and presses (the rest of the routing is the Form's) ---------------------------------

async def start_add(update: Update, context: PinganContext) -> None:
    """Asks for the fraud type (a new draft replaces an unfinished one)."""
    await FORM.start(update, context, State.CHOOSING_TYPE)


async def on_button(update: Update, context: PinganContext) -> None:
    """A button of the dialogue (Cancel and Back on any question, else the draft's step)."""
    await FORM.on_press(update, context, ScamRuleButton.parse(update.callback_query.data))


DIALOGUE = Dialogue(
    name=DialogueName.SCAM_RULE,
    states=State,
    steps={
        State.CHOOSING_TYPE: choose_type,
        State.CHOOSING_SIGNAL: choose_signal,
        State.TYPING_PHRASE: type_phrase,
        State.TYPING_MEANING: type_meaning,
        State.CHOOSING_WEIGHT: choose_weight,
        State.CONFIRMING: confirm,
    },
    prompts={
        State.CHOOSING_TYPE: ask_type,
        State.CHOOSING_SIGNAL: ask_signal,
        State.TYPING_PHRASE: ask_phrase,
        State.TYPING_MEANING: ask_meaning,
        State.CHOOSING_WEIGHT: ask_weight,
        State.CONFIRMING: ask_to_confirm,
    },
    diagram=Path(__file__).with_suffix(".mmd"),
)

FORM = Form(
    DIALOGUE, ScamRuleButton, typed=TYPED, allowed=may_edit_rules,
    texts=FormTexts(
        expired=N_("This button has expired. Please send /scamrules again."),
        cannot_continue=N_("Sorry, this addition cannot be continued. Send /scamrules to start again."),
    ),
)
