"""/library: the notice library (themes, tips, patrol templates, theme calendar) as schedules use
it, and its edits by administrators — sub-commands for texts, buttons for choices. Every press
and every edit is re-authorised by LibraryService from the stored roles."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.callbacks import CallbackData
from bot.config_notices import AREA, DUTY_PHONE, ScheduleContent, template_fields
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.roles import may_edit_library
from bot.services.errors import NotAllowed
from bot.services.library import LibraryProblem
from handlers.library_entry import THEME, TIP, start_button

_SEPARATOR = re.compile(r"\s*[|｜]\s*")
_PREVIEW_CHARS = 80


class LibraryButton(CallbackData, prefix="lib"):
    """A press in /library: a view (home, tips, months, month), or an edit (setm: a month's theme;
    rmask then rm: remove a tip). `number` is a month (1-12) or a tip's stable number."""

    action: str
    theme: str = ""
    number: int = 0


def _usage() -> str:
    return html.escape("\n".join([
        _("To change the library:"),
        _("/library tips <theme> — a theme's tips, with buttons to remove one"),
        _("/library tip <theme> <Chinese text> | <English text> — add a tip (the English is optional)"),
        _("/library theme <id> <Chinese title> | <English title> — add a theme (the English is optional)"),
        _("/library template <id> <Chinese text> | <English text> — set or change a patrol template"),
        _("Or use the buttons: ➕ Add a tip asks for each text in turn."),
        _("/library month <1-12> — choose the theme of a month"),
    ]))


def _problem_text(problem: LibraryProblem) -> str:
    texts = {
        "bad_id": _("“{given}” cannot be an id: use 1-32 lowercase letters, digits, - or _."),
        "theme_exists": _("There is already a theme {theme}."),
        "unknown_theme": _("There is no theme “{theme}”. Send /library to see the themes."),
        "unknown_tip": _("That tip is no longer in the theme {theme}. Send /library tips {theme} again."),
        "last_tip": _("The theme {theme} needs at least one tip: add another before removing this one."),
        "chinese_needed": _("Please give the Chinese text first; the English after | is optional."),
        "too_long": _("That text is too long: at most {limit} characters per language."),
        "braces": _("A placeholder must be a plain name in braces, such as {{area}}, {{patrol_time}} or "
                    "{{duty_phone}}; check the braces."),
        "no_duty_phone": _("The placeholder {{duty_phone}} has no value: notices.duty_phone is not set in "
                           "the config file."),
        "no_value": _("The placeholder {{{name}}} has no value in the schedule {schedule}, which uses this "
                      "template. Remove it from the text, or add a schedule that gives it."),
        "bad_month": _("Months are 1 to 12."),
        "theme_no_tips": _("The theme {theme} has no tips yet: add one with /library tip {theme} first."),
    }
    return texts.get(problem.code, _("Sorry, that did not work.")).format(**problem.params)


def _preview(text: str) -> str:
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS - 1] + "…"


async def _refused(update: Update, context: PinganContext) -> bool:
    if not may_edit_library(context.roles):
        await update.effective_message.reply_text(html.escape(_("Sorry, only administrators can edit the notice "
                                                                "library.")))
        return True
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(html.escape(_("Please manage notices in a private chat with me.")))
        return True
    return False


def _after_command(text: str, words: int) -> str:
    """The message text after `/library` and `words` more words, spacing and line breaks kept."""
    parts = text.split(None, words + 1)
    return parts[words + 1] if len(parts) > words + 1 else ""


def _two_texts(raw: str) -> tuple[str, str] | None:
    """The Chinese text and the English one after `|` (empty when not given), or None without Chinese."""
    parts = _SEPARATOR.split(raw.strip(), maxsplit=1)
    zh, en = parts[0].strip(), parts[1].strip() if len(parts) == 2 else ""
    return (zh, en) if zh else None


# --- /library ------------------------------------------------------------------------------------

async def library(update: Update, context: PinganContext) -> None:
    """Shows the library, or runs a sub-command (tips, tip, theme, template, month)."""
    if await _refused(update, context):
        return
    message = update.effective_message
    args = context.args or []
    sub = args[0].lower() if args else ""
    if not sub:
        await message.reply_text(**_overview(context))
        return
    if sub == "tips" and len(args) == 2:
        await message.reply_text(**_tips_view(context, args[1].lower()))
        return
    if sub == "month" and len(args) in (2, 3):
        if not args[1].isdigit() or not 1 <= int(args[1]) <= 12:
            await message.reply_text(html.escape(_("Months are 1 to 12.")))
            return
        if len(args) == 2:
            await message.reply_text(**_month_choice(context, int(args[1])))
            return
        await _edit(update, context, lambda: context.services.library.set_month(
            update.effective_user.id, context.roles, int(args[1]), args[2].lower()),
            _("The theme of month {month} is now {theme}.").format(month=int(args[1]), theme=args[2].lower()))
        return
    if sub in ("tip", "theme", "template") and len(args) >= 3:
        key = args[1].lower()
        texts = _two_texts(_after_command(message.text or "", 2))
        if texts is None:
            await message.reply_text(html.escape(_("Please give the Chinese text first; the English after | is "
                                                   "optional.")) + "\n\n" + _usage())
            return
        await _text_edit(update, context, sub, key, *texts)
        return
    await message.reply_text(_usage())


def _entered(zh: str, en: str) -> str:
    """What was typed, for a refusal to repeat."""
    return f"{zh} | {en}" if en else zh


async def _text_edit(update: Update, context: PinganContext, sub: str, key: str, zh: str, en: str) -> None:
    library_ = context.services.library
    actor, roles = update.effective_user.id, context.roles
    if sub == "tip":
        done = _("Tip added to {theme}. Every group gets it before any tip of the theme repeats.").format(theme=key)
        await _edit(update, context, lambda: library_.add_tip(actor, roles, key, zh, en), done,
                    preview=ScheduleContent(theme=key), entered=_entered(zh, en))
    elif sub == "theme":
        done = _("Theme {theme} added. Add its tips with /library tip {theme} <Chinese> | <English>.").format(
            theme=key)
        await _edit(update, context, lambda: library_.add_theme(actor, roles, key, zh, en), done,
                    entered=_entered(zh, en))
    else:
        done = _("Patrol template {template} saved.").format(template=key)
        await _edit(update, context, lambda: library_.set_template(actor, roles, key, zh, en), done,
                    preview_template=key, entered=_entered(zh, en))


async def _edit(update: Update, context: PinganContext, action, done: str, *, preview: ScheduleContent | None = None,
                preview_template: str | None = None, entered: str | None = None) -> None:
    """Runs one edit; says what happened (with a preview), or why not (repeating what was entered)."""
    message = update.effective_message
    try:
        result = await action()
    except NotAllowed:
        await message.reply_text(html.escape(_("Sorry, only administrators can edit the notice library.")))
        return
    except LibraryProblem as problem:
        text = _problem_text(problem)
        if entered:
            text += "\n\n" + _("You sent: {text}").format(text=entered)
        await message.reply_text(html.escape(text))
        return
    texts = context.services.notices.texts
    if preview_template is not None:
        template = texts.settings.patrol_templates[preview_template]
        fields = template_fields(template.in_locale(context.locale)) - {AREA, DUTY_PHONE}
        preview = ScheduleContent(patrol_template=preview_template, params={f: f"[{f}]" for f in fields})
    if preview is not None:
        # A new tip is previewed itself: as if every other tip of its theme had been given.
        others = set(texts.tip_numbers.get(preview.theme or "", [])) - {result}
        rendered = texts.render(preview, None, context.locale, context.services.clock.now(),
                                used_tips=others if isinstance(result, int) else None)
        await message.reply_text(f"{html.escape(done)}\n\n{rendered.html_text}")
    else:
        await message.reply_text(html.escape(done))


# --- views ---------------------------------------------------------------------------------------

def _overview(context: PinganContext) -> dict:
    settings = context.services.notices.texts.settings
    locale = context.locale
    heading = html.escape(_("Notice library"))
    lines = [f"<b>{heading}</b>", "", html.escape(_("Themes:"))]
    rows = []
    for key, theme in settings.themes.items():
        count = ngettext("{count} tip", "{count} tips", len(theme.tips)).format(count=len(theme.tips))
        lines.append("• " + html.escape(_("{theme} — {title} ({count})")).format(
            theme=f"<code>{html.escape(key)}</code>", title=html.escape(theme.title.in_locale(locale)),
            count=html.escape(count)))
        rows.append([InlineKeyboardButton(_("Tips: {theme}").format(theme=theme.title.in_locale(locale)),
                                          callback_data=LibraryButton("tips", key).pack())])
    lines += ["", html.escape(_("Patrol templates:"))]
    for key, template in settings.patrol_templates.items():
        lines.append("• " + html.escape(_("{template} — {text}")).format(
            template=f"<code>{html.escape(key)}</code>", text=html.escape(_preview(template.in_locale(locale)))))
    lines += ["", html.escape(_("Theme calendar:"))]
    for month in range(1, 13):
        theme_id = settings.theme_calendar.get(month)
        theme = settings.themes.get(theme_id) if theme_id else None
        name = theme.title.in_locale(locale) if theme else _("not set")
        lines.append(html.escape(_("Month {month}: {theme}").format(month=month, theme=name)))
    rows.append([InlineKeyboardButton(_("➕ Add a tip"), callback_data=start_button(TIP)),
                 InlineKeyboardButton(_("➕ Add a theme"), callback_data=start_button(THEME))])
    rows.append([InlineKeyboardButton(_("Change the theme calendar"), callback_data=LibraryButton("months").pack())])
    lines += ["", _usage()]
    return {"text": "\n".join(lines), "reply_markup": InlineKeyboardMarkup(rows)}


def _tips_view(context: PinganContext, theme_id: str) -> dict:
    texts = context.services.notices.texts
    theme = texts.settings.themes.get(theme_id)
    if theme is None:
        return {"text": html.escape(_("There is no theme “{theme}”. Send /library to see the themes.").format(
            theme=theme_id[:40]))}
    numbers = texts.tip_numbers.get(theme_id, [])
    title = html.escape(_("{title} ({theme})")).format(
        title=f"<b>{html.escape(theme.title.in_locale(context.locale))}</b>",
        theme=f"<code>{html.escape(theme_id)}</code>")
    lines = [title, ""]
    rows = []
    for position, (number, tip) in enumerate(zip(numbers, theme.tips, strict=True), start=1):
        lines.append(f"{position}. {html.escape(tip.zh)}\n    {html.escape(tip.en)}")
        rows.append([InlineKeyboardButton(_("Remove tip {position}").format(position=position),
                                          callback_data=LibraryButton("rmask", theme_id, number).pack())])
    if not theme.tips:
        lines.append(html.escape(_("No tips yet.")))
    add = _("Add one with the button below, or type: /library tip {theme} <Chinese text> | <English text>").format(
        theme=theme_id)
    lines += ["", html.escape(add)]
    rows.append([InlineKeyboardButton(_("➕ Add a tip"), callback_data=start_button(TIP, theme_id))])
    rows.append([InlineKeyboardButton(_("Back"), callback_data=LibraryButton("home").pack())])
    return {"text": "\n".join(lines), "reply_markup": InlineKeyboardMarkup(rows)}


def _months_keyboard() -> dict:
    buttons = [InlineKeyboardButton(_("Month {month}").format(month=month),
                                    callback_data=LibraryButton("month", number=month).pack())
               for month in range(1, 13)]
    rows = [buttons[start:start + 4] for start in range(0, 12, 4)]
    rows.append([InlineKeyboardButton(_("Back"), callback_data=LibraryButton("home").pack())])
    return {"text": html.escape(_("Which month's theme should change?")), "reply_markup": InlineKeyboardMarkup(rows)}


def _month_choice(context: PinganContext, month: int) -> dict:
    settings = context.services.notices.texts.settings
    rows = [[InlineKeyboardButton(("✅ " if settings.theme_calendar.get(month) == key else "")
                                  + theme.title.in_locale(context.locale),
                                  callback_data=LibraryButton("setm", key, month).pack())]
            for key, theme in settings.themes.items() if theme.tips]
    rows.append([InlineKeyboardButton(_("Back"), callback_data=LibraryButton("months").pack())])
    return {"text": html.escape(_("Which theme for month {month}?").format(month=month)),
            "reply_markup": InlineKeyboardMarkup(rows)}


# --- buttons -------------------------------------------------------------------------------------

async def library_pressed(update: Update, context: PinganContext) -> None:
    """One press in /library: views, removing a tip (after a confirmation), setting a month."""
    query = update.callback_query
    pressed = LibraryButton.parse(query.data)
    if pressed is None or not _well_formed(pressed):
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not may_edit_library(context.roles):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    try:
        popup = await _apply_press(update, context, pressed)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    except LibraryProblem as problem:
        await query.answer(_problem_text(problem), show_alert=True)
        return
    await query.answer(popup)


def _well_formed(pressed: LibraryButton) -> bool:
    """The press names a view or an edit, with the theme or number it needs."""
    month = 1 <= pressed.number <= 12
    needs = {"home": True, "months": True, "month": month, "tips": bool(pressed.theme),
             "setm": bool(pressed.theme) and month, "rmask": bool(pressed.theme), "rm": bool(pressed.theme)}
    return needs.get(pressed.action, False)


async def _apply_press(update: Update, context: PinganContext, pressed: LibraryButton) -> str | None:
    """Redraws the message for the press; returns the popup to show, if any."""
    query, library_ = update.callback_query, context.services.library
    action, theme, number = pressed.action, pressed.theme, pressed.number
    if action == "home":
        await query.edit_message_text(**_overview(context))
    elif action == "tips":
        await query.edit_message_text(**_tips_view(context, theme))
    elif action == "months":
        await query.edit_message_text(**_months_keyboard())
    elif action == "month":
        await query.edit_message_text(**_month_choice(context, number))
    elif action == "setm":
        await library_.set_month(update.effective_user.id, context.roles, number, theme)
        await query.edit_message_text(**_overview(context))
        return _("Saved.")
    elif action == "rmask":
        await query.edit_message_text(
            html.escape(_("Remove this tip from the theme? Groups will not get it any more.")),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Yes, remove it"), callback_data=LibraryButton("rm", theme, number).pack()),
                InlineKeyboardButton(_("Cancel"), callback_data=LibraryButton("tips", theme).pack()),
            ]]))
    else:  # rm
        await library_.remove_tip(update.effective_user.id, context.roles, theme, number)
        await query.edit_message_text(**_tips_view(context, theme))
        return _("Tip removed.")
    return None
