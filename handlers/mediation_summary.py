"""The mediator's neutral summary and the invitation link for the other party (issue 17): a
dialogue on the kernel (drawn in mediation_summary.mmd). The link (`/start med_<token>`) works
once and expires; a QR code picture of it comes with it, to show or print."""

from __future__ import annotations

import html
import io
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.deeplinks import mediation_payload, start_link
from bot.i18n import N_, _
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.mediation import Status
from handlers.dialogue import Dialogue, Prompt, Turn, give_back
from handlers.mediation_buttons import MediateButton
from handlers.mediation_turns import Correction, MediationRouting
from handlers.moments import moment_words
from handlers.report_labels import category_label
from storage.mediation import Mediation, MediationInvite
from storage.models import Draft

#: A summary is a few sentences for the other party, not a report.
MAX_SUMMARY_CHARS = 1000


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    WRITING_SUMMARY = "writing"
    CONFIRMING_SUMMARY = "confirming"


class SummaryButton(CallbackData, prefix="meds"):
    """Under the summary: `make` the link, write it `again`, or `cancel`."""

    action: str


async def begin(context: PinganContext, mediator_id: int, mediation: Mediation) -> None:
    """Asks the mediator for the summary, or says the other party already answered."""
    if mediation.status not in (Status.TAKEN, Status.INVITED):
        case = await context.services.mediation.case_of(mediation)
        await context.bot.send_message(mediator_id, html.escape(_(
            "The other party has already answered the invitation for {ref}.").format(ref=case.ref)))
        return
    draft = await context.services.dialogues.start(mediator_id, DialogueName.MEDIATION_SUMMARY,
                                                   State.WRITING_SUMMARY, data={"mediation_id": mediation.id})
    await DIALOGUE.ask(context, mediator_id, draft)


async def take_summary(turn: Turn) -> None:
    """Keeps the summary and shows it as the other party will read it."""
    if turn.pressed is not None:
        await _cancel_by_button(turn)
        return
    text = (turn.text or "").strip()
    if not text:
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please write the summary as text."))
        return
    if len(text) > MAX_SUMMARY_CHARS:
        await give_back(turn.context, turn.user_id, _(
            "That is longer than {limit} characters. Here it is back, to shorten:").format(limit=MAX_SUMMARY_CHARS),
            text)
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft)
        return
    draft = await turn.services.dialogues.save(turn.draft, state=State.CONFIRMING_SUMMARY,
                                               data={**turn.draft.data, "summary": text})
    await DIALOGUE.ask(turn.context, turn.user_id, draft)


async def confirm_summary(turn: Turn) -> None:
    """Make the link, write the summary again, or stop."""
    action = turn.pressed.action if turn.pressed is not None else None
    if action == "again":
        draft = await turn.services.dialogues.save(turn.draft, state=State.WRITING_SUMMARY)
        await DIALOGUE.ask(turn.context, turn.user_id, draft)
        return
    if action == "cancel":
        await _cancel_by_button(turn)
        return
    if action != "make":
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_("Please use the buttons."))
        return
    mediation_id = turn.draft.data["mediation_id"]
    try:
        invite = await turn.services.mediation.invite(mediation_id, turn.user_id, turn.draft.data["summary"])
    except NotAllowed:
        await turn.answer(_("Sorry, you are not the mediator of this case, or the other party already answered."),
                          alert=True)
        return
    await ROUTING.stop(turn.context, turn.draft)
    await send_link(turn.context, turn.user_id, invite)


def _amend_summary(context: PinganContext, data: dict, text: str) -> dict | str:
    """An edit of the summary shown for confirming: it replaces the summary, if it is one."""
    if not text:
        return _("Please write the summary as text.")
    if len(text) > MAX_SUMMARY_CHARS:
        return _("That text is too long: at most {limit} characters. Please send a shorter one.").format(
            limit=MAX_SUMMARY_CHARS)
    return {**data, "summary": text}


async def _cancel_by_button(turn: Turn) -> None:
    await ROUTING.stop(turn.context, turn.draft)
    await turn.context.bot.send_message(turn.user_id, html.escape(_(
        "Stopped. You are still the mediator: press Mediate on the card to write the summary.")))


async def ask_summary(context: PinganContext, draft: Draft) -> Prompt:
    mediation = await context.services.mediation.get(draft.data["mediation_id"])
    case = await context.services.mediation.case_of(mediation)
    category = category_label(context.services.config.reports, case.kind, case.category)
    text = _("You are the mediator of {ref} ({category}). Please write a short, neutral summary for the other "
             "party: what the dispute is about, in your own words. Do not copy the reporter's words or give their "
             "name or phone.").format(ref=case.ref, category=category)
    cancel = InlineKeyboardButton(_("✖ Cancel"), callback_data=SummaryButton("cancel").pack())
    return Prompt(html.escape(text), InlineKeyboardMarkup([[cancel]]))


async def ask_to_confirm(context: PinganContext, draft: Draft) -> Prompt:
    text = "\n\n".join([html.escape(_("The other party will read:")),
                        f"<blockquote>{html.escape(draft.data['summary'])}</blockquote>",
                        html.escape(_("Shall I make the invitation link?"))])
    return Prompt(text, InlineKeyboardMarkup([
        [InlineKeyboardButton(_("🔗 Make the invitation link"), callback_data=SummaryButton("make").pack())],
        [InlineKeyboardButton(_("✏ Write it again"), callback_data=SummaryButton("again").pack()),
         InlineKeyboardButton(_("✖ Cancel"), callback_data=SummaryButton("cancel").pack())],
    ]))


DIALOGUE = Dialogue(
    name=DialogueName.MEDIATION_SUMMARY, states=State,
    steps={State.WRITING_SUMMARY: take_summary, State.CONFIRMING_SUMMARY: confirm_summary},
    prompts={State.WRITING_SUMMARY: ask_summary, State.CONFIRMING_SUMMARY: ask_to_confirm},
    diagram=Path(__file__).with_suffix(".mmd"),
)


ROUTING = MediationRouting(
    DIALOGUE, N_("Cancelled. You are still the mediator: press Mediate on the card to write the summary."),
    SummaryButton,
    corrections={State.WRITING_SUMMARY: Correction(N_("the summary"), State.CONFIRMING_SUMMARY, _amend_summary)},
)


# --- the link ---------------------------------------------------------------------------------------

async def send_link(context: PinganContext, chat_id: int, invite: MediationInvite) -> None:
    """The link for the other party, when it stops working, and its QR code as a picture."""
    mediation = await context.services.mediation.get(invite.mediation_id)
    case = await context.services.mediation.case_of(mediation)
    link = start_link(context.bot.username, mediation_payload(invite.token))
    until = moment_words(context, invite.expires_at)
    text = "\n\n".join([
        html.escape(_("Here is the invitation for the other party of {ref}. It works once, until {time}. Pass it on "
                      "by phone, SMS or in person; the picture below is the same link as a QR code.").format(
            ref=case.ref, time=until)),
        html.escape(link),
    ])
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        _("🔄 Make a new link"), callback_data=MediateButton("newlink", mediation.id).pack())]])
    await context.bot.send_message(chat_id, text, reply_markup=markup, disable_web_page_preview=True)
    await context.bot.send_photo(chat_id, qr_png(link), caption=html.escape(_(
        "QR code of the invitation for {ref}.").format(ref=case.ref)))


def qr_png(link: str) -> bytes:
    """The link as a QR code PNG, large enough to scan from a printed page or a phone screen."""
    import segno  # only for a summary's QR code: kept out of the idle bot's memory

    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


async def new_link(update: Update, context: PinganContext, mediation_id: int) -> None:
    """The mediator's "new link" (the old one expired or went astray): the same summary, a fresh link."""
    query = update.callback_query
    services = context.services
    try:
        mediation = await services.mediation.require_mediator(mediation_id, update.effective_user.id)
        invite = await services.mediation.invite(mediation_id, update.effective_user.id, mediation.summary or "")
    except NotAllowed:
        await query.answer(_("Sorry, only the mediator can do this, and only before the other party answers."),
                           show_alert=True)
        return
    await query.answer()
    await send_link(context, update.effective_user.id, invite)
