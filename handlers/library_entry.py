"""Adding a tip or a theme to the notice library step by step: the Chinese text, then the English
one if there is one (English groups otherwise get the Chinese), a preview, Save. A dialogue on the
kernel (handlers/dialogue.py), drawn in library_entry.mmd; the typed `/library tip …` form stays."""

from __future__ import annotations

import html
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import _
from bot.roles import may_edit_library
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.library import MAX_TEXT, MAX_TITLE, LibraryProblem
from handlers.dialogue import Dialogue, Prompt, Turn, strip_buttons
from storage.models import Draft

TIP, THEME = "tip", "theme"


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    CHOOSING_THEME = "choosing_theme"
    TYPING_CHINESE = "typing_chinese"
    TYPING_ENGLISH = "typing_english"
    CONFIRMING = "confirming"


#: States answered by typing.
TYPED = frozenset({State.TYPING_CHINESE, State.TYPING_ENGLISH})


class LibraryEntryButton(CallbackData, prefix="libn"):
    """A button of the dialogue: `start` (kind tip or theme, with the theme when known), `theme`
    (the theme chosen), `skip` (no English), `save`, `back`, `cancel`."""

    action: str
    kind: str = ""
    theme: str = ""


def start_button(kind: str, theme: str = "") -> str:
    """The callback data of "Add a tip" / "Add a theme" (under /library)."""
    return LibraryEntryButton("start", kind, theme).pack()


def _limit(draft: Draft) -> int:
    return MAX_TITLE if draft.data.get("kind") == THEME else MAX_TEXT


# --- moving on ----------------------------------------------------------------------------------

async def _advance(turn: Turn, state: State, **answers) -> None:
    """Saves the answer and asks the next question (the state left is kept for Back)."""
    draft = await turn.context.services.dialogues.save(
        turn.draft, state=str(state), data={**turn.draft.data, **answers},
        history=(*turn.draft.history, turn.draft.state))
    await DIALOGUE.ask(turn.context, turn.chat_id, draft)


async def _ask_again(turn: Turn, why: str) -> None:
    draft = await turn.context.services.dialogues.save(turn.draft)
    await DIALOGUE.ask(turn.context, turn.chat_id, draft, note=why)


async def _expired(turn: Turn) -> None:
    await turn.answer(_("This button has expired. Please send /library again."), alert=True)


async def _drop(turn: Turn) -> None:
    await turn.context.services.dialogues.drop(turn.draft.user_id, DialogueName.LIBRARY_ENTRY)
    await strip_buttons(turn.context, turn.chat_id, turn.draft.prompt_message_id)


# --- the steps: one per state -------------------------------------------------------------------

async def choose_theme(turn: Turn) -> None:
    """Stores the theme the tip goes to; asks for its Chinese text."""
    press = turn.pressed
    if press.action == "theme" and press.theme in turn.context.services.notices.texts.settings.themes:
        await _advance(turn, State.TYPING_CHINESE, theme=press.theme)
    else:
        await _expired(turn)


async def _checked_text(turn: Turn) -> str | None:
    """The text typed (a theme's title on one line), or None after asking again and saying why."""
    text = (turn.text or "").strip()
    if turn.draft.data.get("kind") == THEME:
        text = " ".join(text.split())
    if not text:
        await _ask_again(turn, _("Please send the text as a message."))
        return None
    if len(text) > _limit(turn.draft):
        await _ask_again(turn, _("That text is too long: at most {limit} characters. Please send a shorter "
                                 "one.").format(limit=_limit(turn.draft)))
        return None
    return text


async def type_chinese(turn: Turn) -> None:
    """Stores the Chinese text; asks for the English one."""
    text = await _checked_text(turn)
    if text is not None:
        await _advance(turn, State.TYPING_ENGLISH, zh=text)


async def type_english(turn: Turn) -> None:
    """Stores the English text, or none (Skip); shows the preview."""
    if turn.pressed is not None:
        if turn.pressed.action == "skip":
            await _advance(turn, State.CONFIRMING, en="")
        else:
            await _expired(turn)
        return
    text = await _checked_text(turn)
    if text is not None:
        await _advance(turn, State.CONFIRMING, en=text)


async def confirm(turn: Turn) -> None:
    """Save: the service checks and stores the entry (and audits it); says what became of it."""
    if turn.pressed.action != "save":
        await _expired(turn)
        return
    context, data = turn.context, turn.draft.data
    library = context.services.library
    actor = turn.draft.user_id
    try:
        if data["kind"] == TIP:
            await library.add_tip(actor, context.roles, data["theme"], data["zh"], data.get("en", ""))
            done = _("Tip added. Every group of the theme gets it before any tip repeats.")
        else:
            theme_id = library.free_theme_id()
            await library.add_theme(actor, context.roles, theme_id, data["zh"], data.get("en", ""))
            done = _("Theme added. Add its first tip with the button below.")
    except NotAllowed:
        await turn.answer(_("Sorry, only administrators can edit the notice library."), alert=True)
        return
    except LibraryProblem:
        await _drop(turn)
        await turn.answer()
        await context.bot.send_message(turn.chat_id, html.escape(_(
            "Sorry, that could not be saved: the library changed meanwhile. Send /library to try again.")))
        return
    await _drop(turn)
    await turn.answer(_("Saved."))
    markup = None
    if data["kind"] == THEME:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("➕ Add a tip"),
                                                             callback_data=start_button(TIP, theme_id))]])
    await context.bot.send_message(turn.chat_id, html.escape(done), reply_markup=markup)


async def go_back(turn: Turn) -> None:
    """Asks the previous question again."""
    history = turn.draft.history
    if not history:
        await _expired(turn)
        return
    draft = await turn.context.services.dialogues.save(turn.draft, state=history[-1], history=history[:-1])
    await DIALOGUE.ask(turn.context, turn.chat_id, draft)


# --- the prompts: one per state -----------------------------------------------------------------

def _row_back_cancel(draft: Draft) -> list[InlineKeyboardButton]:
    row = [InlineKeyboardButton(_("Back"), callback_data=LibraryEntryButton("back").pack())] if draft.history else []
    row.append(InlineKeyboardButton(_("Cancel"), callback_data=LibraryEntryButton("cancel").pack()))
    return row


async def ask_theme(context: PinganContext, draft: Draft) -> Prompt:
    themes = context.services.notices.texts.settings.themes
    rows = [[InlineKeyboardButton(theme.title.in_locale(context.locale),
                                  callback_data=LibraryEntryButton("theme", theme=key).pack())]
            for key, theme in themes.items()]
    return Prompt(html.escape(_("New tip (send /cancel to stop). Which theme is it for?")),
                  InlineKeyboardMarkup([*rows, _row_back_cancel(draft)]))


async def ask_chinese(context: PinganContext, draft: Draft) -> Prompt:
    if draft.data.get("kind") == THEME:
        question = _("New theme (send /cancel to stop). What is its title in Chinese? For example: 冒充客服退款诈骗")
    else:
        question = _("Please send the tip in Chinese, as residents will read it.")
    return Prompt(html.escape(question), InlineKeyboardMarkup([_row_back_cancel(draft)]))


async def ask_english(context: PinganContext, draft: Draft) -> Prompt:
    skip = InlineKeyboardButton(_("Skip: English groups get the Chinese"),
                                callback_data=LibraryEntryButton("skip").pack())
    return Prompt(html.escape(_("And in English? Send the English text, or tap Skip.")),
                  InlineKeyboardMarkup([[skip], _row_back_cancel(draft)]))


async def ask_to_confirm(context: PinganContext, draft: Draft) -> Prompt:
    data = draft.data
    zh, en = data.get("zh", ""), data.get("en", "")
    english = html.escape(en) if en else html.escape(_("(none: English groups get the Chinese)"))
    chinese_label, english_label = html.escape(_("Chinese:")), html.escape(_("English:"))
    lines = [f"<b>{chinese_label}</b> {html.escape(zh)}", f"<b>{english_label}</b> {english}"]
    heading = _("New theme")
    if data.get("kind") == TIP:
        theme = context.services.notices.texts.settings.themes.get(data.get("theme", ""))
        title = theme.title.in_locale(context.locale) if theme else ""
        heading = _("New tip for “{theme}”").format(theme=title)
        # The notice as residents will get it in this reader's language.
        notice_heading = _("Anti-fraud reminder: {theme}").format(theme=title)
        lines += ["", html.escape(_("Residents will get it like this:")), "",
                  f"<b>{html.escape(notice_heading)}</b>\n\n{html.escape(en or zh if context.locale == 'en' else zh)}"]
    save = InlineKeyboardButton(_("Save"), callback_data=LibraryEntryButton("save").pack())
    return Prompt("\n".join([f"<b>{html.escape(heading)}</b>", "", *lines]),
                  InlineKeyboardMarkup([[save], _row_back_cancel(draft)]))


# --- entry, presses, typed answers, /cancel -----------------------------------------------------

async def start(update: Update, context: PinganContext, kind: str, theme: str = "") -> None:
    """Starts adding a tip (to `theme`, or asks which) or a theme; a new draft replaces an unfinished one."""
    chat_id, dialogues = update.effective_chat.id, context.services.dialogues
    earlier = await dialogues.get(update.effective_user.id, DialogueName.LIBRARY_ENTRY)
    if earlier is not None:
        await strip_buttons(context, chat_id, earlier.prompt_message_id)
    themes = context.services.notices.texts.settings.themes
    known = kind == TIP and theme in themes
    state = State.TYPING_CHINESE if kind == THEME or known else State.CHOOSING_THEME
    draft = await dialogues.start(update.effective_user.id, DialogueName.LIBRARY_ENTRY, state,
                                  data={"kind": kind, "theme": theme if known else ""})
    await DIALOGUE.ask(context, chat_id, draft)


async def dialogue_pressed(update: Update, context: PinganContext) -> None:
    """A button of the dialogue: start, Cancel and Back on any question, else the draft's step."""
    query = update.callback_query
    press = LibraryEntryButton.parse(query.data)
    if not may_edit_library(context.roles) or update.effective_chat.type != ChatType.PRIVATE:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    if press is not None and press.action == "start" and press.kind in (TIP, THEME):
        await query.answer()
        await start(update, context, press.kind, press.theme)
        return
    draft = await context.services.dialogues.get(update.effective_user.id, DialogueName.LIBRARY_ENTRY)
    if draft is not None and draft.timed_out:
        await query.answer()
        await timed_out(update, context)
        return
    if press is None or draft is None or DIALOGUE.state_of(draft) is None:
        await query.answer(_("This button has expired. Please send /library again."), show_alert=True)
        return
    if draft.prompt_message_id is not None and query.message.message_id != draft.prompt_message_id:
        await query.answer(_("That question was already answered. Please use the latest message."), show_alert=True)
        return
    turn = Turn(update, context, draft, pressed=press)
    if press.action == "cancel":
        await _drop(turn)
        await turn.answer(_("Cancelled: nothing was saved."))
    elif press.action == "back":
        await go_back(turn)
    else:
        await DIALOGUE.step_for(draft)(turn)
    await turn.answer()


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """A private text: the answer to this administrator's dialogue (True), else False."""
    message = update.effective_message
    if not may_edit_library(context.roles):
        return False
    if draft.timed_out:
        await timed_out(update, context)
        return True
    state = DIALOGUE.state_of(draft)
    if state is None:
        await context.services.dialogues.drop(draft.user_id, DialogueName.LIBRARY_ENTRY)
        await message.reply_text(html.escape(_("Sorry, this cannot be continued. Send /library to start again.")))
        return True
    if state not in TYPED:
        await message.reply_text(html.escape(_("Please choose with the buttons above, or send /cancel.")))
        return True
    if not message.text:
        draft = await context.services.dialogues.save(draft)
        await DIALOGUE.ask(context, update.effective_chat.id, draft, note=_("Please send the text as a message."))
        return True
    await DIALOGUE.step_for(draft)(Turn(update, context, draft, text=message.text))
    return True


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: drops the entry."""
    await context.services.dialogues.drop(draft.user_id, DialogueName.LIBRARY_ENTRY)
    if draft.timed_out:
        await timed_out(update, context)
        return
    await strip_buttons(context, update.effective_chat.id, draft.prompt_message_id)
    await update.effective_message.reply_text(html.escape(_("Cancelled: nothing was saved.")))


async def timed_out(update: Update, context: PinganContext) -> None:
    """Says how to start again after a long pause (the draft is already dropped)."""
    await context.bot.send_message(update.effective_chat.id, html.escape(_(
        "Nothing was saved because there was no answer for a while. Send /library to start again.")))


DIALOGUE = Dialogue(
    name=DialogueName.LIBRARY_ENTRY,
    states=State,
    steps={
        State.CHOOSING_THEME: choose_theme,
        State.TYPING_CHINESE: type_chinese,
        State.TYPING_ENGLISH: type_english,
        State.CONFIRMING: confirm,
    },
    prompts={
        State.CHOOSING_THEME: ask_theme,
        State.TYPING_CHINESE: ask_chinese,
        State.TYPING_ENGLISH: ask_english,
        State.CONFIRMING: ask_to_confirm,
    },
    diagram=Path(__file__).with_suffix(".mmd"),
)
