"""/library: the notice library (themes, tips, patrol templates, theme calendar) as schedules use
it, and its edits by administrators — sub-commands for texts, buttons for choices. Every press
and every edit is re-authorised by LibraryService from the stored roles."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode

from bot import callbacks
from bot.config_notices import AREA, DUTY_PHONE, ScheduleContent, template_fields
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.errors import NotAllowed
from bot.services.library import LibraryProblem, may_edit_library

FAMILY = "lib"
_SEPARATOR = re.compile(r"\s*[|｜]\s*")
_PREVIEW_CHARS = 80


def _usage() -> str:
    return html.escape("\n".join([
        _("To change the library:"),
        _("/library tips <theme> — a theme's tips, with buttons to remove one"),
        _("/library tip <theme> <Chinese text> | <English text> — add a tip"),
        _("/library theme <id> <Chinese title> | <English title> — add a theme"),
        _("/library template <id> <Chinese text> | <English text> — set or change a patrol template"),
        _("/library month <1-12> — choose the theme of a month"),
    ]))


def _problem_text(problem: LibraryProblem) -> str:
    texts = {
        "bad_id": _("“{given}” cannot be an id: use 1-32 lowercase letters, digits, - or _."),
        "theme_exists": _("There is already a theme {theme}."),
        "unknown_theme": _("There is no theme “{theme}”. Send /library to see the themes."),
        "unknown_tip": _("That tip is no longer in the theme {theme}. Send /library tips {theme} again."),
        "last_tip": _("The theme {theme} needs at least one tip: add another before removing this one."),
        "both_languages": _("Please give the text in both languages, Chinese first, separated by |."),
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
        await update.effective_message.reply_text(_("Sorry, only administrators can edit the notice library."))
        return True
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(_("Please manage notices in a private chat with me."))
        return True
    return False


def _after_command(text: str, words: int) -> str:
    """The message text after `/library` and `words` more words, spacing and line breaks kept."""
    parts = text.split(None, words + 1)
    return parts[words + 1] if len(parts) > words + 1 else ""


def _two_texts(raw: str) -> tuple[str, str] | None:
    parts = _SEPARATOR.split(raw.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return None
    return parts[0].strip(), parts[1].strip()


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
            await message.reply_text(_("Months are 1 to 12."))
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
            await message.reply_text(html.escape(_("Please give the text in both languages, Chinese first, "
                                                   "separated by |.")) + "\n\n" + _usage())
            return
        await _text_edit(update, context, sub, key, *texts)
        return
    await message.reply_text(_usage())


async def _text_edit(update: Update, context: PinganContext, sub: str, key: str, zh: str, en: str) -> None:
    library_ = context.services.library
    actor, roles = update.effective_user.id, context.roles
    if sub == "tip":
        done = _("Tip added to {theme}. Every group gets it before any tip of the theme repeats.").format(theme=key)
        await _edit(update, context, lambda: library_.add_tip(actor, roles, key, zh, en), done,
                    preview=ScheduleContent(theme=key), entered=f"{zh} | {en}")
    elif sub == "theme":
        done = _("Theme {theme} added. Add its tips with /library tip {theme} <Chinese> | <English>.").format(
            theme=key)
        await _edit(update, context, lambda: library_.add_theme(actor, roles, key, zh, en), done,
                    entered=f"{zh} | {en}")
    else:
        done = _("Patrol template {template} saved.").format(template=key)
        await _edit(update, context, lambda: library_.set_template(actor, roles, key, zh, en), done,
                    preview_template=key, entered=f"{zh} | {en}")


async def _edit(update: Update, context: PinganContext, action, done: str, *, preview: ScheduleContent | None = None,
                preview_template: str | None = None, entered: str | None = None) -> bool:
    """Runs one edit; says what happened (with a preview), or why not (repeating what was entered)."""
    message = update.effective_message
    try:
        result = await action()
    except NotAllowed:
        await message.reply_text(_("Sorry, only administrators can edit the notice library."))
        return False
    except LibraryProblem as problem:
        text = _problem_text(problem)
        if entered:
            text += "\n\n" + _("You sent: {text}").format(text=entered)
        await message.reply_text(html.escape(text))
        return False
    notices = context.services.notices
    if preview_template is not None:
        template = notices.settings.patrol_templates[preview_template]
        fields = template_fields(template.in_locale(context.locale)) - {AREA, DUTY_PHONE}
        preview = ScheduleContent(patrol_template=preview_template, params={f: f"[{f}]" for f in fields})
    if preview is not None:
        # A new tip is previewed itself: as if every other tip of its theme had been given.
        others = set(notices.tip_numbers.get(preview.theme or "", [])) - {result}
        rendered = notices.render(preview, None, context.locale, context.services.clock.now(),
                                  used_tips=others if isinstance(result, int) else None)
        await message.reply_text(f"{html.escape(done)}\n\n{rendered.html_text}", parse_mode=ParseMode.HTML)
    else:
        await message.reply_text(html.escape(done))
    return True


# --- views ---------------------------------------------------------------------------------------

def _overview(context: PinganContext) -> dict:
    settings = context.services.notices.settings
    locale = context.locale
    title = html.escape(_("Notice library"))
    lines = [f"<b>{title}</b>", "", html.escape(_("Themes:"))]
    rows = []
    for key, theme in settings.themes.items():
        lines.append("• <code>{key}</code> — {title} ({count})".format(
            key=html.escape(key), title=html.escape(theme.title.in_locale(locale)),
            count=html.escape(ngettext("{count} tip", "{count} tips", len(theme.tips)).format(count=len(theme.tips)))))
        rows.append([InlineKeyboardButton(_("Tips: {theme}").format(theme=theme.title.in_locale(locale)),
                                          callback_data=callbacks.pack(FAMILY, "tips", key))])
    lines += ["", html.escape(_("Patrol templates:"))]
    for key, template in settings.patrol_templates.items():
        lines.append(f"• <code>{html.escape(key)}</code> — {html.escape(_preview(template.in_locale(locale)))}")
    lines += ["", html.escape(_("Theme calendar:"))]
    for month in range(1, 13):
        theme_id = settings.theme_calendar.get(month)
        theme = settings.themes.get(theme_id) if theme_id else None
        name = theme.title.in_locale(locale) if theme else _("not set")
        lines.append(html.escape(_("Month {month}: {theme}").format(month=month, theme=name)))
    rows.append([InlineKeyboardButton(_("Change the theme calendar"), callback_data=callbacks.pack(FAMILY, "months"))])
    lines += ["", _usage()]
    return {"text": "\n".join(lines), "parse_mode": ParseMode.HTML, "reply_markup": InlineKeyboardMarkup(rows)}


def _tips_view(context: PinganContext, theme_id: str) -> dict:
    notices = context.services.notices
    theme = notices.settings.themes.get(theme_id)
    if theme is None:
        return {"text": _("There is no theme “{theme}”. Send /library to see the themes.").format(theme=theme_id[:40])}
    numbers = notices.tip_numbers.get(theme_id, [])
    lines = [f"<b>{html.escape(theme.title.in_locale(context.locale))}</b> (<code>{html.escape(theme_id)}</code>)", ""]
    rows = []
    for position, (number, tip) in enumerate(zip(numbers, theme.tips, strict=True), start=1):
        lines.append(f"{position}. {html.escape(tip.zh)}\n    {html.escape(tip.en)}")
        rows.append([InlineKeyboardButton(_("Remove tip {position}").format(position=position),
                                          callback_data=callbacks.pack(FAMILY, "rmask", theme_id, number))])
    if not theme.tips:
        lines.append(html.escape(_("No tips yet.")))
    add = _("Add one: /library tip {theme} <Chinese text> | <English text>").format(theme=theme_id)
    lines += ["", html.escape(add)]
    rows.append([InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "home"))])
    return {"text": "\n".join(lines), "parse_mode": ParseMode.HTML, "reply_markup": InlineKeyboardMarkup(rows)}


def _months_keyboard(context: PinganContext) -> dict:
    rows, row = [], []
    for month in range(1, 13):
        row.append(InlineKeyboardButton(_("Month {month}").format(month=month),
                                        callback_data=callbacks.pack(FAMILY, "month", month)))
        if len(row) == 4:
            rows.append(row)
            row = []
    rows.append([InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "home"))])
    return {"text": _("Which month's theme should change?"), "reply_markup": InlineKeyboardMarkup(rows)}


def _month_choice(context: PinganContext, month: int) -> dict:
    settings = context.services.notices.settings
    rows = [[InlineKeyboardButton(("✅ " if settings.theme_calendar.get(month) == key else "")
                                  + theme.title.in_locale(context.locale),
                                  callback_data=callbacks.pack(FAMILY, "setm", month, key))]
            for key, theme in settings.themes.items() if theme.tips]
    rows.append([InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "months"))])
    return {"text": _("Which theme for month {month}?").format(month=month), "reply_markup": InlineKeyboardMarkup(rows)}


# --- buttons -------------------------------------------------------------------------------------

async def library_pressed(update: Update, context: PinganContext) -> None:
    """One press in /library: views, removing a tip (after a confirmation), setting a month."""
    query = update.callback_query
    data = callbacks.parse(query.data, FAMILY)
    if data is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not may_edit_library(context.roles):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    library_ = context.services.library
    args = data.args
    try:
        if data.action == "home":
            await query.edit_message_text(**_overview(context))
        elif data.action == "tips" and len(args) == 1:
            await query.edit_message_text(**_tips_view(context, args[0]))
        elif data.action == "months":
            await query.edit_message_text(**_months_keyboard(context))
        elif data.action == "month" and len(args) == 1 and args[0].isdigit():
            await query.edit_message_text(**_month_choice(context, int(args[0])))
        elif data.action == "setm" and len(args) == 2 and args[0].isdigit():
            await library_.set_month(update.effective_user.id, context.roles, int(args[0]), args[1])
            await query.edit_message_text(**_overview(context))
            await query.answer(_("Saved."))
            return
        elif data.action == "rmask" and len(args) == 2 and args[1].isdigit():
            await query.edit_message_text(
                _("Remove this tip from the theme? Groups will not get it any more."),
                reply_markup=InlineKeyboardMarkup([[
                    InlineKeyboardButton(_("Yes, remove it"), callback_data=callbacks.pack(FAMILY, "rm", *args)),
                    InlineKeyboardButton(_("Cancel"), callback_data=callbacks.pack(FAMILY, "tips", args[0])),
                ]]))
        elif data.action == "rm" and len(args) == 2 and args[1].isdigit():
            await library_.remove_tip(update.effective_user.id, context.roles, args[0], int(args[1]))
            await query.edit_message_text(**_tips_view(context, args[0]))
            await query.answer(_("Tip removed."))
            return
        else:
            await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
            return
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    except LibraryProblem as problem:
        await query.answer(_problem_text(problem), show_alert=True)
        return
    await query.answer()
