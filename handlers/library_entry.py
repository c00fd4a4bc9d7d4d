"""Adding a tip or a theme to the notice library step by step: the Chinese text, then the English
one if there is one (English groups otherwise get the Chinese), a preview, Save. A dialogue on the
kernel (handlers/dialogue.py), drawn in library_entry.mmd; the typed `/library tip …` form stays."""

from __future__ import annotations

import html
from enum import StrEnum
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CallbackData
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.roles import may_edit_library
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.library import MAX_TEXT, MAX_TITLE, LibraryProblem
from handlers.dialogue import Dialogue, Prompt, Turn
from handlers.dialogue_form import Form, FormTexts
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


# --- the steps: one per state -------------------------------------------------------------------

async def choose_theme(turn: Turn) -> None:
    """Stores the theme the tip goes to; asks for its Chinese text."""
    press = turn.pressed
    if press.action == "theme" and press.theme in turn.context.services.notices.texts.settings.themes:
        await FORM.advance(turn, State.TYPING_CHINESE, theme=press.theme)
    else:
        await FORM.expired(turn)


async def _checked_text(turn: Turn) -> str | None:
    """The text typed (a theme's title on one line), or None after asking again and saying why."""
    text = (turn.text or "").strip()
    if turn.draft.data.get("kind") == THEME:
        text = " ".join(text.split())
    if not text:
        await FORM.ask_again(turn, _("Please send the text as a message."))
        return None
    if len(text) > _limit(turn.draft):
        await FORM.ask_again(turn, _("That text is too long: at most {limit} characters. Please send a shorter "
                                 "one.").format(limit=_limit(turn.draft)))
        return None
    return text


async def type_chinese(turn: Turn) -> None:
    """Stores the Chinese text; asks for the English one."""
    text = await _checked_text(turn)
    if text is not None:
        await FORM.advance(turn, State.TYPING_ENGLISH, zh=text)


async def type_english(turn: Turn) -> None:
    """Stores the English text, or none (Skip); shows the preview."""
    if turn.pressed is not None:
        if turn.pressed.action == "skip":
            await FORM.advance(turn, State.CONFIRMING, en="")
        else:
            await FORM.expired(turn)
        return
    text = await _checked_text(turn)
    if text is not None:
        await FORM.advance(turn, State.CONFIRMING, en=text)


async def confirm(turn: Turn) -> None:
    """Save: the service checks and stores the entry (and audits it); says what became of it."""
    if turn.pressed.action != "save":
        await FORM.expired(turn)
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
        await FORM.drop(turn)
        await turn.answer()
        await context.bot.send_message(turn.chat_id, html.escape(_(
            "Sorry, that could not be saved: the library changed meanwhile. Send /library to try again.")))
        return
    await FORM.drop(turn)
    await turn.answer(_("Saved."))
    markup = None
    if data["kind"] == THEME:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("➕ Add a tip"),
                                                             callback_data=start_button(TIP, theme_id))]])
    await context.bot.send_message(turn.chat_id, html.escape(done), reply_markup=markup)


# --- the prompts: one per state -----------------------------------------------------------------

async def ask_theme(context: PinganContext, draft: Draft) -> Prompt:
    themes = context.services.notices.texts.settings.themes
    rows = [[InlineKeyboardButton(theme.title.in_locale(context.locale),
                                  callback_data=LibraryEntryButton("theme", theme=key).pack())]
            for key, theme in themes.items()]
    return Prompt(html.escape(_("New tip (send /cancel to stop). Which theme is it for?")),
                  InlineKeyboardMarkup([*rows, FORM.back_cancel_row(draft)]))


async def ask_chinese(context: PinganContext, draft: Draft) -> Prompt:
    if draft.data.get("kind") == THEME:
        question = _("New theme (send /cancel to stop). What is its title in Chinese? For example: 冒充客服退款诈骗")
    else:
        question = _("Please send the tip in Chinese, as residents will read it.")
    return Prompt(html.escape(question), InlineKeyboardMarkup([FORM.back_cancel_row(draft)]))


async def ask_english(context: PinganContext, draft: Draft) -> Prompt:
    skip = InlineKeyboardButton(_("Skip: English groups get the Chinese"),
                                callback_data=LibraryEntryButton("skip").pack())
    return Prompt(html.escape(_("And in English? Send the English text, or tap Skip.")),
                  InlineKeyboardMarkup([[skip], FORM.back_cancel_row(draft)]))


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
                  InlineKeyboardMarkup([[save], FORM.back_cancel_row(draft)]))


# --- entry and presses (the rest of the routing is the Form's) ---------------------------------

async def start(update: Update, context: PinganContext, kind: str, theme: str = "") -> None:
    """Starts adding a tip (to `theme`, or asks which) or a theme."""
    known = kind == TIP and theme in context.services.notices.texts.settings.themes
    state = State.TYPING_CHINESE if kind == THEME or known else State.CHOOSING_THEME
    await FORM.start(update, context, state, {"kind": kind, "theme": theme if known else ""})


async def dialogue_pressed(update: Update, context: PinganContext) -> None:
    """A button of the dialogue: Add a tip / Add a theme start it; the others are the Form's."""
    query = update.callback_query
    press = LibraryEntryButton.parse(query.data)
    if press is not None and press.action == "start" and press.kind in (TIP, THEME) and FORM.may_press(update,
                                                                                                       context):
        await query.answer()
        await start(update, context, press.kind, press.theme)
        return
    await FORM.on_press(update, context, press)


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

FORM = Form(
    DIALOGUE, LibraryEntryButton, typed=TYPED, typed_with_buttons={State.TYPING_ENGLISH}, allowed=may_edit_library,
    texts=FormTexts(
        expired=N_("This button has expired. Please send /library again."),
        cannot_continue=N_("Sorry, this cannot be continued. Send /library to start again."),
        timed_out=N_("Nothing was saved because there was no answer for a while. Send /library to start again."),
    ),
)
