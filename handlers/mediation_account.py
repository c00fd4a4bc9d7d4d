"""Each party tells the mediator their side (issue 17): text, photos and documents, privately.
A party sees only what they sent themselves; nothing of one party ever reaches the other; the
mediator gets each item with the side it came from. A dialogue of one state on the kernel
(drawn in mediation_account.mmd)."""

from __future__ import annotations

import html
import logging
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.context import PinganContext
from bot.i18n import N_, _, ngettext, using_locale
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.mediation import Side
from handlers.dialogue import Dialogue, Prompt, Turn
from handlers.mediation_buttons import PartyButton
from handlers.mediation_turns import MediationRouting
from handlers.notify import locale_of, person_name
from storage.mediation import Mediation
from storage.models import Draft

logger = logging.getLogger(__name__)


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    ADDING_ACCOUNT = "adding"


def party_markup(mediation_id: int) -> InlineKeyboardMarkup:
    """A party's buttons: tell my side, see what I sent."""
    tell = PartyButton("account", mediation_id).pack()
    mine = PartyButton("mine", mediation_id).pack()
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("📝 Tell the mediator my side"), callback_data=tell)],
                                 [InlineKeyboardButton(_("📖 What I have sent"), callback_data=mine)]])


async def on_button(update: Update, context: PinganContext) -> None:
    """Tell my side, what I sent, or Done: each re-checked against the stored parties."""
    query = update.callback_query
    pressed = PartyButton.parse(query.data)
    if pressed is None or pressed.action not in ("account", "mine", "done"):
        await query.answer(_("This button has expired."), show_alert=True)
        return
    user_id = update.effective_user.id
    services = context.services
    try:
        mediation = await services.mediation.get(pressed.mediation_id)
        side = await services.mediation.side_of(mediation, user_id)
    except NotAllowed:
        side = None
    if side is None:
        await query.answer(_("Sorry, this button is not for you."), show_alert=True)
        return
    await query.answer()
    if pressed.action == "account":
        draft = await services.dialogues.start(user_id, DialogueName.MEDIATION_ACCOUNT, State.ADDING_ACCOUNT,
                                               data={"mediation_id": mediation.id})
        await DIALOGUE.ask(context, user_id, draft)
    elif pressed.action == "mine":
        await show_own(context, user_id, mediation)
    else:
        await _finish(context, user_id)


async def take_item(turn: Turn) -> None:
    """A text, photo or document: kept for the mediator, who gets it at once with the side it came from."""
    kind, text, file_id = _item_of(turn.message)
    if kind is None:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_(
            "Please send text, a photo or a document. Tap Done when you have finished."))
        return
    try:
        mediation, side = await turn.services.mediation.add_account(turn.draft.data["mediation_id"], turn.user_id,
                                                                    kind, text, file_id)
    except NotAllowed:
        await ROUTING.stop(turn.context, turn.draft)
        await turn.message.reply_text(html.escape(_("Sorry, this mediation is no longer open.")))
        return
    await turn.services.dialogues.save(turn.draft)
    await _pass_to_mediator(turn.context, mediation, side, turn.user_id, kind, text, file_id)
    await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Received. Only the mediator will see it."))


def _item_of(message: Message) -> tuple[str | None, str, str | None]:
    """(kind, text, file id) of what was sent; kind None for anything else."""
    caption = (message.caption or "").strip()
    if message.photo:
        return "photo", caption, message.photo[-1].file_id
    if message.document:
        return "document", caption, message.document.file_id
    if message.text and message.text.strip():
        return "text", message.text.strip(), None
    return None, "", None


async def _pass_to_mediator(context: PinganContext, mediation: Mediation, side: Side, user_id: int, kind: str,
                            text: str, file_id: str | None) -> None:
    """The item to the mediator, headed with the case, the side and the party's name."""
    case = await context.services.mediation.case_of(mediation)
    name = await person_name(context, user_id)
    with using_locale(await locale_of(context, mediation.mediator_id)):
        header = (_("{ref} · the reporter ({name}) says:") if side is Side.REPORTER
                  else _("{ref} · the other party ({name}) says:")).format(ref=case.ref, name=name)
    body = html.escape("\n".join(filter(None, [header, text])))
    try:
        if kind == "photo":
            await context.bot.send_photo(mediation.mediator_id, file_id, caption=body[:1024])
        elif kind == "document":
            await context.bot.send_document(mediation.mediator_id, file_id, caption=body[:1024])
        else:
            await context.bot.send_message(mediation.mediator_id, body)
    except TelegramError as exc:
        logger.info("could not pass an account to mediator %s: %s", mediation.mediator_id, exc)


async def show_own(context: PinganContext, user_id: int, mediation: Mediation) -> None:
    """What this party sent, and nothing of anybody else's."""
    items = await context.services.mediation.own_account(mediation.id, user_id)
    if not items:
        await context.bot.send_message(user_id, html.escape(_("You have not sent the mediator anything yet.")),
                                       reply_markup=party_markup(mediation.id))
        return
    lines = [ngettext("You have sent the mediator {count} item:", "You have sent the mediator {count} items:",
                      len(items)).format(count=len(items))]
    labels = {"photo": _("(a photo)"), "document": _("(a document)")}
    for item in items:
        lines.append("• " + " ".join(filter(None, [labels.get(item.kind, ""), item.text])))
    await context.bot.send_message(user_id, html.escape("\n".join(lines)), reply_markup=party_markup(mediation.id))


async def ask_account(context: PinganContext, draft: Draft) -> Prompt:
    text = _("Tell the mediator your side: write what happened, or send photos or documents. Only the mediator "
             "sees them, never the other party. Tap Done when you have finished.")
    done = InlineKeyboardButton(_("Done"), callback_data=PartyButton("done", draft.data["mediation_id"]).pack())
    return Prompt(html.escape(text), InlineKeyboardMarkup([[done]]))


DIALOGUE = Dialogue(
    name=DialogueName.MEDIATION_ACCOUNT, states=State,
    steps={State.ADDING_ACCOUNT: take_item},
    prompts={State.ADDING_ACCOUNT: ask_account},
    diagram=Path(__file__).with_suffix(".mmd"),
)


ROUTING = MediationRouting(DIALOGUE, N_("Stopped. What you sent before is already with the mediator."))


async def _finish(context: PinganContext, user_id: int) -> None:
    draft = await context.services.dialogues.get(user_id, DialogueName.MEDIATION_ACCOUNT)
    if draft is not None:
        await ROUTING.stop(context, draft)
    await context.bot.send_message(user_id, html.escape(_("Thank you. The mediator has everything you sent.")))
