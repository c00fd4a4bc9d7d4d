"""What the add-a-schedule dialogue (handlers/schedule_dialogue.py) says in each state: its render
table's functions, and its buttons. Texts are HTML: whatever an officer typed or the library
holds is escaped here."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData
from bot.config_notices import PATROL_TIME, ScheduleContent
from bot.context import PinganContext
from bot.i18n import _
from bot.services.notice_texts import RenderedNotice, ScheduleProblem
from bot.services.notices import next_fire_times
from handlers.dialogue import Prompt
from handlers.dialogue_form import back_cancel_row
from handlers.labels import CRON_PRESETS, cron_label, kind_label
from handlers.schedule_common import content_line, schedule_lines
from storage.models import Draft, GroupKind

#: The key of "Custom (cron)" among the time buttons (the others are CRON_PRESETS' keys).
CUSTOM_CRON = "custom"


class NewScheduleButton(CallbackData, prefix="snew"):
    """A button of the dialogue. `key` is a stable key: a template or theme id, a cron preset's
    key (handlers/labels.py), a group kind."""

    action: str
    key: str = ""


def start_button() -> str:
    """The callback data of "Add a schedule" (under /schedules)."""
    return NewScheduleButton("start").pack()


def next_param(data: dict) -> str | None:
    """The first placeholder of the template still without a value."""
    params = (data.get("content") or {}).get("params") or {}
    return next((name for name in data.get("params_needed") or [] if name not in params), None)


def preview_of(context: PinganContext, data: dict) -> RenderedNotice | None:
    """The notice the draft would send, or None if its content left the library meanwhile."""
    try:
        return context.services.notices.texts.preview(ScheduleContent.model_validate(data["content"]), context.locale)
    except (KeyError, ValueError, ScheduleProblem):
        return None


def content_choices(context: PinganContext) -> list[list[InlineKeyboardButton]]:
    settings = context.services.notices.texts.settings
    rows = [[InlineKeyboardButton(
                _("Patrol notice: {template}").format(template=template.title_in(context.locale, key)),
                callback_data=NewScheduleButton("tpl", key).pack())]
            for key, template in settings.patrol_templates.items()]
    rows += [[InlineKeyboardButton(_("Tips: {theme}").format(theme=theme.title.in_locale(context.locale)),
                                   callback_data=NewScheduleButton("theme", key).pack())]
             for key, theme in settings.themes.items() if theme.tips]
    if settings.theme_calendar:
        rows.append([InlineKeyboardButton(_("Tips: the month's theme"), callback_data=NewScheduleButton("cal").pack())])
    return rows


async def ask_content(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("New schedule (send /cancel to stop). What should it send?")),
                  InlineKeyboardMarkup([*content_choices(context), back_cancel_row(NewScheduleButton, draft)]))


def param_question(context: PinganContext, template_key: str, name: str) -> str:
    """What an officer is asked to fill a template's placeholder, in plain words (plain text)."""
    template = context.services.notices.texts.settings.patrol_templates.get(template_key)
    if template is not None and name in template.questions:
        return template.questions[name].in_locale(context.locale)
    if name == PATROL_TIME:
        return _("When is the patrol? For example: 21:00–02:00.")
    return _("What should “{name}” say in the notice?").format(name=name)


async def ask_param(context: PinganContext, draft: Draft) -> Prompt:
    template_key = (draft.data.get("content") or {}).get("patrol_template") or ""
    question = param_question(context, template_key, next_param(draft.data) or "")
    return Prompt(html.escape(question), InlineKeyboardMarkup([back_cancel_row(NewScheduleButton, draft)]))


async def ask_time(context: PinganContext, draft: Draft) -> Prompt:
    rows = [[InlineKeyboardButton(cron_label(cron), callback_data=NewScheduleButton("cron", key).pack())]
            for key, cron in CRON_PRESETS.items()]
    rows.append([InlineKeyboardButton(_("Custom (cron)"), callback_data=NewScheduleButton("cron", CUSTOM_CRON).pack())])
    rows.append(back_cancel_row(NewScheduleButton, draft))
    question = _("When should it be sent? (times are in {timezone})").format(timezone=context.services.notices.timezone)
    return Prompt(html.escape(question), InlineKeyboardMarkup(rows))


async def ask_cron(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("Send a cron expression with 5 fields: minute hour day month weekday. "
                                "For example 30 20 * * 5 means Fridays at 20:30.")),
                  InlineKeyboardMarkup([back_cancel_row(NewScheduleButton, draft)]))


async def ask_kinds(context: PinganContext, draft: Draft) -> Prompt:
    chosen = draft.data.get("kinds") or []
    rows = [[InlineKeyboardButton(("✅ " if kind.value in chosen else "") + kind_label(kind),
                                  callback_data=NewScheduleButton("kind", kind.value).pack())]
            for kind in GroupKind]
    rows.append([InlineKeyboardButton(_("Done") if chosen else _("All kinds"),
                                      callback_data=NewScheduleButton("kinds").pack())])
    rows.append(back_cancel_row(NewScheduleButton, draft))
    return Prompt(html.escape(_("Which kinds of group should get it? Tap to choose, then Done.")),
                  InlineKeyboardMarkup(rows))


async def ask_areas(context: PinganContext, draft: Draft) -> Prompt:
    return Prompt(html.escape(_("Which areas? Send their names separated by commas, or tap All areas.")),
                  InlineKeyboardMarkup([[InlineKeyboardButton(_("All areas"),
                                                              callback_data=NewScheduleButton("areas").pack())],
                                        back_cancel_row(NewScheduleButton, draft)]))


async def ask_to_confirm(context: PinganContext, draft: Draft) -> Prompt:
    notices, data = context.services.notices, draft.data
    preview = preview_of(context, data)
    if preview is None:
        return Prompt(html.escape(_("The notice chosen is no longer in the library. Send /schedules to start again.")),
                      InlineKeyboardMarkup([back_cancel_row(NewScheduleButton, draft)]))
    runs = next_fire_times(data["cron"], notices.timezone, context.services.clock.now(), 3)
    targets = {"kinds": data.get("kinds", []), "areas": data.get("areas", [])}
    heading = html.escape(_("New schedule"))
    text = "\n".join([
        f"<b>{heading}</b>",
        content_line(context, data["content"]),
        *schedule_lines(data["cron"], notices.timezone, targets, runs),
        "",
        html.escape(_("The message will look like this:")),
        "",
        preview.html_text,
    ])
    save = InlineKeyboardButton(_("Save"), callback_data=NewScheduleButton("save").pack())
    return Prompt(text, InlineKeyboardMarkup([[save], back_cancel_row(NewScheduleButton, draft)]))
