"""'Is this a scam?' (反诈查询) in the private chat: `/check <text>`, a forwarded message, or
`/check` (or the button) and then the pasted message. The answer's first line is the verdict.

The rules are bot/services/scam_check.py's (in use: bot/services/scam_rules.py's); this module
only asks and renders. Each check is kept without who made it for the figures and the clusters
(bot/services/scam_clusters.py); a cluster it raises goes to the area's officers
(handlers/scam_warning.py).
"""

from __future__ import annotations

import html
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _, current_locale, ngettext
from bot.services.dialogues import DialogueName
from bot.services.scam_check import ScamChecker, Verdict, defang
from handlers.dialogue import Dialogue, Prompt, Turn
from handlers.guards import pressed_in_own_private_chat
from handlers.scam_warning import announce
from storage.models import Draft

#: The anti-fraud hotline named in every answer.
HOTLINE = "96110"
#: More than this is not a message someone received; it is cut before checking.
MAX_CHECK_CHARS = 4000


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    PASTING_MESSAGE = "pasting"


class CheckButton(CallbackData, prefix="chk"):
    """`start`: the welcome's "Is this a scam?"; `again`: check another message; `stop`: no more;
    `report`: turn the check into a fraud report (handled by the router, handlers/private.py,
    since it starts another dialogue)."""

    action: str


# --- entry points ------------------------------------------------------------------------------

async def check_command(update: Update, context: PinganContext) -> None:
    """/check <text>: the verdict at once; /check alone asks for the message."""
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(html.escape(_(
            "Please send /check in a private chat with me: what you check stays between us.")))
        return
    text = _command_argument(update.effective_message)
    if text:
        await answer_check(update.effective_message, context, text)
        return
    await begin(context, update.effective_user.id)


async def begin(context: PinganContext, user_id: int) -> None:
    """Asks for the message to check."""
    draft = await context.services.dialogues.start(user_id, DialogueName.SCAM_CHECK, State.PASTING_MESSAGE)
    await DIALOGUE.ask(context, user_id, draft)


async def check_forwarded(update: Update, context: PinganContext) -> bool:
    """A message forwarded into the private chat, when no dialogue wanted it: checked at once."""
    message = update.effective_message
    text = message.text or message.caption
    if message.forward_origin is None or not text:
        return False
    await answer_check(message, context, text)
    return True


async def on_button(update: Update, context: PinganContext) -> None:
    """Start a check (from the welcome), check another message, or stop."""
    query = update.callback_query
    pressed = CheckButton.parse(query.data)
    # "start" is on the welcome, which /start shows in groups too; the others are under a check,
    # in the presser's own private chat, and must not touch any other message they are forged onto.
    if pressed is None or pressed.action not in ("start", "again", "stop") or (
            pressed.action != "start" and not pressed_in_own_private_chat(query)):
        await query.answer(_("This button has expired. Please send /check again."), show_alert=True)
        return
    await query.answer()
    if pressed.action != "start":  # the welcome keeps its buttons; an answered check does not
        await query.edit_message_reply_markup(None)
    if pressed.action in ("start", "again"):
        await begin(context, update.effective_user.id)
    else:
        await context.services.dialogues.drop(update.effective_user.id, DialogueName.SCAM_CHECK)


# --- the dialogue ------------------------------------------------------------------------------

async def take_message(turn: Turn) -> None:
    """Checks the pasted or forwarded message and answers with the verdict."""
    if not turn.text or not turn.text.strip():
        await DIALOGUE.ask(turn.context, turn.user_id, turn.draft, note=_(
            "I can only check text. Please paste the message, or forward it here (a photo with a caption works "
            "too)."))
        return
    await turn.services.dialogues.drop(turn.user_id, DialogueName.SCAM_CHECK)
    await answer_check(turn.message, turn.context, turn.text)


async def ask_for_message(context: PinganContext, draft: Draft) -> Prompt:
    days = context.services.scam_clusters.settings.retention_days
    text = ngettext("Paste the message you received, or forward it to me. I will tell you at once whether it "
                    "matches a known kind of fraud. The message is kept for {days} day for the anti-fraud figures; "
                    "who sent it is never shown to anyone.",
                    "Paste the message you received, or forward it to me. I will tell you at once whether it "
                    "matches a known kind of fraud. The message is kept for {days} days for the anti-fraud "
                    "figures; who sent it is never shown to anyone.", days).format(days=days)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("✖ Cancel"), callback_data=CheckButton("stop").pack())]])
    return Prompt(html.escape(text), markup)


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """The message to check (always taken while the bot waits for one)."""
    step = DIALOGUE.step_for(draft)
    if step is None:  # a state this version does not know: ask again
        await begin(context, draft.user_id)
        return True
    message = update.effective_message
    await step(Turn(update, context, draft, text=message.text or message.caption))
    return True


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: no check, nothing kept."""
    await context.services.dialogues.drop(draft.user_id, DialogueName.SCAM_CHECK)
    await update.effective_message.reply_text(html.escape(_("Cancelled. Send /check whenever you want to check a "
                                                            "message.")))


DIALOGUE = Dialogue(
    name=DialogueName.SCAM_CHECK,
    states=State,
    steps={State.PASTING_MESSAGE: take_message},
    prompts={State.PASTING_MESSAGE: ask_for_message},
    diagram=Path(__file__).with_suffix(".mmd"),
)


# --- the answer ---------------------------------------------------------------------------------

async def answer_check(message: Message, context: PinganContext, text: str) -> None:
    """The verdict, why, what to do now, and the message's links and numbers made unclickable; the
    check is kept (never who made it), and a wave it shows goes to the area's officers."""
    checker = context.services.scam_rules.checker
    text = text[:MAX_CHECK_CHARS]
    verdict = checker.check(text)
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(_("📝 Report it to the police"), callback_data=CheckButton("report").pack())],
        [InlineKeyboardButton(_("Check another message"), callback_data=CheckButton("again").pack())],
    ])
    # As a reply to the message checked: the verdict says which one, and "Report it" finds its text.
    # Kept before the answer goes, so that whoever reads the answer can count on the check in the figures.
    cluster = await context.services.scam_clusters.record(message.chat_id, text, verdict)
    await message.reply_text(verdict_text(checker, verdict, current_locale.get()), reply_markup=markup, do_quote=True)
    await announce(context, cluster)


def verdict_text(checker: ScamChecker, verdict: Verdict, locale: str) -> str:
    """The whole answer, in HTML; its first line is the verdict."""
    if verdict.type_id is None:
        verdict_line = _("No known fraud pattern found. When in doubt, call {hotline}.").format(hotline=HOTLINE)
        lines = [_bold("✅ " + verdict_line)]
        if verdict.reads_as_warning:
            lines += ["", html.escape(_("It reads like an anti-fraud reminder, not like a scam."))]
        else:
            lines += ["", html.escape(_("A new kind of scam may still look harmless. Never transfer money or give a "
                                        "code to someone you have not checked yourself."))]
    else:
        fraud = checker.fraud_type(verdict.type_id)
        title = _("Likely fraud: {kind}").format(kind=fraud.name(locale))
        lines = [_bold("⚠️ " + title)]
        if verdict.firm_rule is not None:
            lines += ["", html.escape(verdict.firm_rule.say.in_locale(locale))]
        lines += ["", _bold(_("Why:"))]
        for finding in verdict.findings:
            lines.append(html.escape(_("• {signal}: “{quote}”").format(
                signal=checker.signal_text(finding.signal, locale), quote=_defang_links(finding.quote))))
        lines += ["", html.escape(fraud.advice.in_locale(locale))]
    lines += ["", _bold(_("What to do now:"))]
    lines += [html.escape(f"• {line}") for line in checker.general_advice(locale)]
    shown = [*(defang(link) for link in verdict.links), *verdict.phones]
    if shown:
        lines += ["", html.escape(_("Links and numbers in the message (made unclickable):"))]
        lines += [f"<code>{html.escape(item)}</code>" for item in shown]
    return "\n".join(lines)


def _bold(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


def _defang_links(quote: str) -> str:
    return defang(quote) if "." in quote and ("http" in quote.lower() or "www" in quote.lower()) else quote


def checked_text(verdict_message: Message | None) -> str | None:
    """The text a verdict answered (it replies to the person's message), for a report of it."""
    source = verdict_message.reply_to_message if verdict_message is not None else None
    if source is None:
        return None
    text = source.text or source.caption or ""
    if text.startswith("/check"):
        text = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    return text.strip() or None


def _command_argument(message: Message) -> str:
    """What follows /check, with its line breaks (context.args would lose them)."""
    parts = (message.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def purge_checks(context: PinganContext) -> None:
    """Job (daily): checked texts past the retention and checkers past the window are forgotten."""
    await context.services.scam_clusters.purge()
