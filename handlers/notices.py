"""/schedules (list with the next runs, pause, resume, delete), the add-a-schedule dialogue, and
/notice preview. Officers and administrators only; every press is re-checked by the service."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode

from bot import callbacks
from bot.config_notices import AREA, DUTY_PHONE, ScheduleContent, ScheduleTargets, cron_problem, template_fields
from bot.context import PinganContext
from bot.i18n import _
from bot.notice_jobs import arm
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.groups import may_manage_groups
from bot.services.notices import ScheduleProblem, next_fire_times
from handlers.labels import kind_label
from storage.models import Draft, GroupKind, NoticeSchedule

FAMILY = "sch"  # buttons on the /schedules list
NEW_FAMILY = "snew"  # buttons of the add dialogue

# The steps of the add-a-schedule dialogue, stored with its draft (see handlers/notices.mmd).
CHOOSING_CONTENT, TYPING_PARAM, CHOOSING_TIME, TYPING_CRON, CHOOSING_KINDS, TYPING_AREAS, CONFIRMING = (
    "choosing_content", "typing_param", "choosing_time", "typing_cron", "choosing_kinds", "typing_areas",
    "confirming")
TIMEOUT = "expired"  # a draft untouched for 15 minutes (its policy in bot/services/dialogues.py)
END = "end"

CRON_PRESETS = (
    ("0 21 * * *", "daily2100"),
    ("0 9 * * *", "daily0900"),
    ("0 10 * * 1", "mon1000"),
    ("0 9 1 * *", "month0900"),
)


def _cron_label(cron: str) -> str:
    labels = {
        "0 21 * * *": _("Every day at 21:00"),
        "0 9 * * *": _("Every day at 09:00"),
        "0 10 * * 1": _("Mondays at 10:00"),
        "0 9 1 * *": _("The 1st of each month at 09:00"),
    }
    return labels.get(cron, cron)


def _content_label(context: PinganContext, content: dict) -> str:
    settings = context.services.notices.settings
    locale = context.locale
    if content.get("patrol_template"):
        params = ", ".join(f"{k}={v}" for k, v in (content.get("params") or {}).items())
        label = _("Patrol notice “{template}”").format(template=content["patrol_template"])
        return f"{label} ({params})" if params else label
    if content.get("theme"):
        theme = settings.themes.get(content["theme"])
        title = theme.title.in_locale(locale) if theme else content["theme"]
        return _("Anti-fraud tips, rotating through “{theme}”").format(theme=title)
    return _("Anti-fraud tips from the month's theme (theme calendar)")


def _targets_label(targets: dict) -> str:
    kinds = ", ".join(kind_label(GroupKind(k)) for k in targets.get("kinds") or []) or _("all kinds of group")
    areas = ", ".join(targets.get("areas") or []) or _("all areas")
    return _("{kinds}; {areas}").format(kinds=kinds, areas=areas)


def _runs_label(times: list[datetime], timezone: str) -> str:
    tz = ZoneInfo(timezone)
    return ", ".join(t.astimezone(tz).strftime("%Y-%m-%d %H:%M") for t in times) or _("none")


# --- /schedules ----------------------------------------------------------------------------------

async def _refuse_unless_manager(update: Update, context: PinganContext) -> bool:
    if not may_manage_groups(context.roles):
        await update.effective_message.reply_text(_("Sorry, only officers and administrators can manage notices."))
        return True
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(_("Please manage notices in a private chat with me."))
        return True
    return False


async def list_schedules(update: Update, context: PinganContext) -> None:
    """Lists the schedules with their next three runs; `/schedules pause|resume|delete <id>` act on one."""
    if await _refuse_unless_manager(update, context):
        return
    args = context.args or []
    if len(args) == 1 and args[0].lower() == "add":
        await start_add(update, context)
        return
    if len(args) == 2 and args[0].lower() in ("pause", "resume", "delete"):
        await _act(update, context, args[0].lower(), args[1])
        return
    await update.effective_message.reply_text(**await _listing(context))


async def _listing(context: PinganContext) -> dict:
    notices = context.services.notices
    schedules = await notices.schedules()
    rows = []
    if not schedules:
        lines = [_("There are no notice schedules yet.")]
    else:
        lines = [_("Notice schedules ({count}):").format(count=len(schedules))]
    for schedule in schedules:
        lines += ["", _schedule_block(context, schedule)]
        toggle = ("resume", _("Resume {id}")) if schedule.paused else ("pause", _("Pause {id}"))
        rows.append([
            InlineKeyboardButton(toggle[1].format(id=schedule.id),
                                 callback_data=callbacks.pack(FAMILY, toggle[0], schedule.id)),
            InlineKeyboardButton(_("Delete {id}").format(id=schedule.id),
                                 callback_data=callbacks.pack(FAMILY, "delask", schedule.id)),
        ])
    rows.append([InlineKeyboardButton(_("Add a schedule"), callback_data=callbacks.pack(NEW_FAMILY, "start"))])
    return {"text": "\n".join(lines), "parse_mode": ParseMode.HTML, "reply_markup": InlineKeyboardMarkup(rows)}


def _schedule_block(context: PinganContext, schedule: NoticeSchedule) -> str:
    state = _("paused") if schedule.paused else _("active")
    source = _("from the config file") if schedule.source == "config" else _("added by command")
    runs = [] if schedule.paused else context.services.notices.next_runs(schedule, 3)
    return "\n".join([
        f"<b>{html.escape(schedule.id)}</b> — {state}, {source}",
        html.escape(_content_label(context, schedule.content)),
        _("When: {when} ({timezone})").format(when=html.escape(_cron_label(schedule.cron)),
                                              timezone=schedule.timezone),
        _("Groups: {targets}").format(targets=html.escape(_targets_label(schedule.targets))),
        _("Next runs: {runs}").format(runs=_runs_label(runs, schedule.timezone)),
    ])


async def _act(update: Update, context: PinganContext, action: str, schedule_id: str) -> str | None:
    notices = context.services.notices
    try:
        if action == "delete":
            done = await notices.delete_schedule(context.roles, schedule_id)
        else:
            done = await notices.set_paused(context.roles, schedule_id, action == "pause")
    except NotAllowed:
        text = _("Sorry, you are not allowed to do this.")
    else:
        if not done:
            text = _("There is no schedule {id}.").format(id=schedule_id[:32])
        elif action == "delete":
            text = _("Schedule {id} deleted.").format(id=schedule_id)
        elif action == "pause":
            text = _("Schedule {id} paused.").format(id=schedule_id)
        else:
            text = _("Schedule {id} resumed: it runs again from now on.").format(id=schedule_id)
        await arm(context.application)
    if update.callback_query is None:
        await update.effective_message.reply_text(text)
        return None
    return text


async def schedule_pressed(update: Update, context: PinganContext) -> None:
    """Pause / resume / delete from the list (delete asks first). Roles re-checked by the service."""
    query = update.callback_query
    data = callbacks.parse(query.data, FAMILY)
    if data is None or len(data.args) != 1 or data.action not in ("pause", "resume", "delask", "delete", "keep"):
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not may_manage_groups(context.roles):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    schedule_id = data.args[0]
    if data.action == "delask":
        await query.edit_message_text(
            _("Delete the schedule {id}? Notices already sent stay sent.").format(id=schedule_id),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(_("Yes, delete it"), callback_data=callbacks.pack(FAMILY, "delete", schedule_id)),
                InlineKeyboardButton(_("Cancel"), callback_data=callbacks.pack(FAMILY, "keep", schedule_id)),
            ]]))
        await query.answer()
        return
    if data.action == "keep":
        await query.edit_message_text(**await _listing(context))
        await query.answer()
        return
    text = await _act(update, context, data.action, schedule_id)
    await query.edit_message_text(**await _listing(context))
    await query.answer(text)


# --- /notice preview -----------------------------------------------------------------------------

async def notice(update: Update, context: PinganContext) -> None:
    """`/notice preview [theme or template]`: shows a notice as groups would get it."""
    if await _refuse_unless_manager(update, context):
        return
    args = context.args or []
    notices = context.services.notices
    settings = notices.settings
    if not args or args[0].lower() != "preview":
        await update.effective_message.reply_text(_("Send /notice preview, or /notice preview followed by a "
                                                    "theme or patrol template id."))
        return
    wanted = args[1] if len(args) > 1 else None
    if wanted is None:
        with_tips = [key for key, theme in settings.themes.items() if theme.tips]
        content = ScheduleContent(theme_calendar=True) if settings.theme_calendar else (
            ScheduleContent(theme=with_tips[0]) if with_tips else None)
    elif wanted in settings.themes and settings.themes[wanted].tips:
        content = ScheduleContent(theme=wanted)
    elif wanted in settings.patrol_templates:
        fields = template_fields(settings.patrol_templates[wanted].in_locale(context.locale))
        content = ScheduleContent(patrol_template=wanted,
                                  params={f: f"[{f}]" for f in fields - {AREA, DUTY_PHONE}})
    else:
        content = None
    if content is None:
        ids = ", ".join([*settings.themes, *settings.patrol_templates]) or _("none")
        await update.effective_message.reply_text(
            _("There is no theme or template “{given}”. Available: {ids}.").format(given=(wanted or "")[:32], ids=ids))
        return
    rendered = notices.preview(content, context.locale)
    await update.effective_message.reply_text(rendered.html_text, parse_mode=ParseMode.HTML)


# --- the add-a-schedule dialogue -----------------------------------------------------------------
#
# The draft (the step awaited and the answers so far) is saved in SQLite after every answer, so a
# restart in the middle loses nothing: the buttons of earlier messages and the next typed answer
# carry on where the officer was. Each step function gets the draft, changes it and returns the
# next step (END when the dialogue is over); `_run_step` saves it.

async def _run_step(update: Update, context: PinganContext, step_function, draft: dict) -> None:
    user_id = update.effective_user.id
    next_step = await step_function(update, context, draft)
    if next_step == END:
        await context.services.dialogues.drop(user_id, DialogueName.SCHEDULE)
    elif next_step is not None:
        await _save_draft(context, user_id, next_step, draft)


async def _save_draft(context: PinganContext, user_id: int, state: str, data: dict) -> None:
    dialogues = context.services.dialogues
    found = await dialogues.get(user_id, DialogueName.SCHEDULE)
    if found is None or found.timed_out:
        await dialogues.start(user_id, DialogueName.SCHEDULE, state, data=data)
    else:
        await dialogues.save(found, state=state, data=data)


async def start_add(update: Update, context: PinganContext) -> None:
    """Asks what the schedule should send (a new draft replaces an unfinished one)."""
    query = update.callback_query
    if not may_manage_groups(context.roles) or update.effective_chat.type != ChatType.PRIVATE:
        if query:
            await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        else:
            await update.effective_message.reply_text(_("Sorry, only officers and administrators can manage notices."))
        return
    settings = context.services.notices.settings
    rows = [[InlineKeyboardButton(_("Patrol notice: {template}").format(template=key),
                                  callback_data=callbacks.pack(NEW_FAMILY, "tpl", key))]
            for key in settings.patrol_templates]
    rows += [[InlineKeyboardButton(_("Tips: {theme}").format(theme=theme.title.in_locale(context.locale)),
                                   callback_data=callbacks.pack(NEW_FAMILY, "theme", key))]
             for key, theme in settings.themes.items() if theme.tips]
    if settings.theme_calendar:
        rows.append([InlineKeyboardButton(_("Tips: the month's theme"),
                                          callback_data=callbacks.pack(NEW_FAMILY, "cal"))])
    if query:
        await query.answer()
    if len(rows) == 0:
        await context.bot.send_message(update.effective_chat.id, _(
            "The notice library is empty: add themes or patrol templates to the config file first."))
        return
    await context.services.dialogues.start(update.effective_user.id, DialogueName.SCHEDULE, CHOOSING_CONTENT)
    text = _("New schedule (send /cancel to stop). What should it send?")
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=InlineKeyboardMarkup(rows))


async def dialogue_pressed(update: Update, context: PinganContext) -> None:
    """A button of the dialogue: handled by the step the saved draft is at, else expired."""
    query = update.callback_query
    data = callbacks.parse(query.data, NEW_FAMILY)
    if data is not None and data.action == "start":
        await start_add(update, context)
        return
    if not may_manage_groups(context.roles):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    found = await context.services.dialogues.get(update.effective_user.id, DialogueName.SCHEDULE)
    if found is not None and found.timed_out:
        await query.answer()
        await timed_out(update, context)
        return
    steps = {CHOOSING_CONTENT: choose_content, CHOOSING_TIME: choose_time, CHOOSING_KINDS: choose_kinds,
             TYPING_AREAS: all_areas, CONFIRMING: confirm}
    if data is None or found is None or found.state not in steps:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    await _run_step(update, context, steps[found.state], dict(found.data))


async def claim(update: Update, context: PinganContext, draft: Draft) -> bool:
    """A private text: the answer to this officer's dialogue if it waits for text (True), else False."""
    message = update.effective_message
    if not message.text or not may_manage_groups(context.roles):
        return False
    if draft.timed_out:
        await timed_out(update, context)
        return True
    steps = {TYPING_PARAM: type_param, TYPING_CRON: type_cron, TYPING_AREAS: type_areas}
    if draft.state not in steps:
        await message.reply_text(_("Please choose with the buttons above, or send /cancel."))
        return True
    await _run_step(update, context, steps[draft.state], dict(draft.data))
    return True


async def choose_content(update: Update, context: PinganContext, draft: dict) -> str:
    """Stores the content; asks for a template's missing values, else for the time."""
    query = update.callback_query
    data = callbacks.parse(query.data, NEW_FAMILY)
    settings = context.services.notices.settings
    if data and data.action == "tpl" and data.args and data.args[0] in settings.patrol_templates:
        draft["content"] = {"patrol_template": data.args[0], "params": {}}
        template = settings.patrol_templates[data.args[0]]
        needed = (template_fields(template.zh) | template_fields(template.en)) - {AREA}
        if settings.duty_phone:
            needed -= {DUTY_PHONE}
        draft["params_needed"] = sorted(needed)
    elif data and data.action == "theme" and data.args and data.args[0] in settings.themes \
            and settings.themes[data.args[0]].tips:
        draft["content"] = {"theme": data.args[0]}
    elif data and data.action == "cal" and settings.theme_calendar:
        draft["content"] = {"theme_calendar": True}
    else:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return CHOOSING_CONTENT
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _ask_next_param_or_time(update, context, draft)


async def _ask_next_param_or_time(update: Update, context: PinganContext, draft: dict) -> str:
    needed = draft.get("params_needed") or []
    if needed:
        question = _("What should the placeholder {name} say? For example, for patrol_time: 21:00-02:00.")
        await context.bot.send_message(update.effective_chat.id, question.format(name=needed[0]))
        return TYPING_PARAM
    rows = [[InlineKeyboardButton(_cron_label(cron), callback_data=callbacks.pack(NEW_FAMILY, "cron", key))]
            for cron, key in CRON_PRESETS]
    rows.append([InlineKeyboardButton(_("Custom (cron)"), callback_data=callbacks.pack(NEW_FAMILY, "cron", "custom"))])
    await context.bot.send_message(update.effective_chat.id,
                                   _("When should it be sent? (times are in {timezone})")
                                   .format(timezone=context.services.notices.timezone),
                                   reply_markup=InlineKeyboardMarkup(rows))
    return CHOOSING_TIME


async def type_param(update: Update, context: PinganContext, draft: dict) -> str:
    """Stores one placeholder value and asks for the next (or the time)."""
    needed = draft.get("params_needed") or []
    value = (update.effective_message.text or "").strip()[:100]
    if not needed:
        return await _ask_next_param_or_time(update, context, draft)
    if not value:
        await update.effective_message.reply_text(_("Please send the value as text."))
        return TYPING_PARAM
    draft["content"]["params"][needed[0]] = value
    draft["params_needed"] = needed[1:]
    return await _ask_next_param_or_time(update, context, draft)


async def choose_time(update: Update, context: PinganContext, draft: dict) -> str:
    """Stores a preset time, or asks for a cron expression."""
    query = update.callback_query
    data = callbacks.parse(query.data, NEW_FAMILY)
    presets = {key: cron for cron, key in CRON_PRESETS}
    if not data or data.action != "cron" or not data.args or (data.args[0] not in presets and data.args[0] != "custom"):
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return CHOOSING_TIME
    await query.answer()
    await query.edit_message_reply_markup(None)
    if data.args[0] == "custom":
        await context.bot.send_message(update.effective_chat.id, _(
            "Send a cron expression with 5 fields: minute hour day month weekday. "
            "For example 30 20 * * 5 means Fridays at 20:30."))
        return TYPING_CRON
    draft["cron"] = presets[data.args[0]]
    return await _ask_kinds(update, context, draft)


async def type_cron(update: Update, context: PinganContext, draft: dict) -> str:
    """Checks the cron expression (APScheduler) and moves on, or explains what is wrong."""
    text = " ".join((update.effective_message.text or "").split())
    if cron_problem(text, context.services.notices.timezone):
        await update.effective_message.reply_text(_(
            "“{given}” is not a valid cron expression. It needs 5 fields: minute hour day month weekday, "
            "e.g. 0 21 * * * for every day at 21:00. Please try again.").format(given=text[:60]))
        return TYPING_CRON
    draft["cron"] = text
    return await _ask_kinds(update, context, draft)


def _kinds_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(("✅ " if kind.value in chosen else "") + kind_label(kind),
                                  callback_data=callbacks.pack(NEW_FAMILY, "kind", kind.value))]
            for kind in GroupKind]
    rows.append([InlineKeyboardButton(_("Done") if chosen else _("All kinds"),
                                      callback_data=callbacks.pack(NEW_FAMILY, "kinds", "done"))])
    return InlineKeyboardMarkup(rows)


async def _ask_kinds(update: Update, context: PinganContext, draft: dict) -> str:
    draft.setdefault("kinds", [])
    await context.bot.send_message(update.effective_chat.id,
                                   _("Which kinds of group should get it? Tap to choose, then Done."),
                                   reply_markup=_kinds_keyboard(draft["kinds"]))
    return CHOOSING_KINDS


async def choose_kinds(update: Update, context: PinganContext, draft: dict) -> str:
    """Toggles a kind; Done asks for the areas."""
    query = update.callback_query
    data = callbacks.parse(query.data, NEW_FAMILY)
    kinds = draft.setdefault("kinds", [])
    if data and data.action == "kind" and data.args and data.args[0] in {k.value for k in GroupKind}:
        kind = data.args[0]
        kinds.remove(kind) if kind in kinds else kinds.append(kind)
        await query.edit_message_reply_markup(_kinds_keyboard(kinds))
        await query.answer()
        return CHOOSING_KINDS
    if data and data.action == "kinds":
        await query.edit_message_reply_markup(None)
        await query.answer()
        await context.bot.send_message(
            update.effective_chat.id,
            _("Which areas? Send their names separated by commas, or tap All areas."),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                _("All areas"), callback_data=callbacks.pack(NEW_FAMILY, "areas", "all"))]]))
        return TYPING_AREAS
    await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
    return CHOOSING_KINDS


async def type_areas(update: Update, context: PinganContext, draft: dict) -> str:
    """Stores the areas typed and shows the preview."""
    text = (update.effective_message.text or "").replace("，", ",")
    draft["areas"] = [a.strip()[:64] for a in text.split(",") if a.strip()][:20]
    return await _show_preview(update, context, draft)


async def all_areas(update: Update, context: PinganContext, draft: dict) -> str:
    """No area filter; shows the preview."""
    query = update.callback_query
    data = callbacks.parse(query.data, NEW_FAMILY)
    if data is None or data.action != "areas":
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return TYPING_AREAS
    await query.answer()
    await query.edit_message_reply_markup(None)
    draft["areas"] = []
    return await _show_preview(update, context, draft)


async def _show_preview(update: Update, context: PinganContext, draft: dict) -> str:
    notices = context.services.notices
    content = ScheduleContent.model_validate(draft["content"])
    runs = next_fire_times(draft["cron"], notices.timezone, context.services.clock.now(), 3)
    targets = {"kinds": draft.get("kinds", []), "areas": draft.get("areas", [])}
    try:
        preview = notices.preview(content, context.locale)
    except (KeyError, ScheduleProblem):  # the library changed meanwhile
        await context.bot.send_message(update.effective_chat.id, _(
            "The notice chosen is no longer in the library. Send /schedules to start again."))
        return END
    text = "\n".join([
        "<b>" + html.escape(_("New schedule")) + "</b>",
        html.escape(_content_label(context, draft["content"])),
        _("When: {when} ({timezone})").format(when=html.escape(_cron_label(draft["cron"])),
                                              timezone=notices.timezone),
        _("Groups: {targets}").format(targets=html.escape(_targets_label(targets))),
        _("Next runs: {runs}").format(runs=_runs_label(runs, notices.timezone)),
        "",
        _("The message will look like this:"),
        "",
        preview.html_text,
    ])
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("Save"), callback_data=callbacks.pack(NEW_FAMILY, "save")),
        InlineKeyboardButton(_("Cancel"), callback_data=callbacks.pack(NEW_FAMILY, "cancel")),
    ]])
    await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=buttons)
    return CONFIRMING


async def confirm(update: Update, context: PinganContext, draft: dict) -> str:
    """Saves the schedule (roles and content re-checked by the service) and re-arms the timer."""
    query = update.callback_query
    data = callbacks.parse(query.data, NEW_FAMILY)
    if data is None or data.action != "save" or "cron" not in draft:
        await query.edit_message_reply_markup(None)
        await query.answer(_("Cancelled: nothing was saved."))
        return END
    try:
        schedule = await context.services.notices.add_schedule(
            update.effective_user.id, context.roles, draft["cron"],
            ScheduleTargets(kinds=draft.get("kinds", []), areas=draft.get("areas", [])),
            ScheduleContent.model_validate(draft["content"]))
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return END
    except ScheduleProblem as problem:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, _("The schedule could not be saved: {problem}")
                                       .format(problem=str(problem)[:300]))
        return END
    await arm(context.application)
    await query.edit_message_reply_markup(None)
    await query.answer(_("Saved."))
    runs = context.services.notices.next_runs(schedule, 3)
    await context.bot.send_message(update.effective_chat.id,
                                   _("Schedule {id} saved. Next runs: {runs}.")
                                   .format(id=schedule.id, runs=_runs_label(runs, schedule.timezone)))
    return END


async def cancel(update: Update, context: PinganContext, draft: Draft) -> None:
    """/cancel: drops this officer's new schedule."""
    await context.services.dialogues.drop(draft.user_id, DialogueName.SCHEDULE)
    if draft.timed_out:
        await timed_out(update, context)
        return
    await update.effective_message.reply_text(_("Cancelled: nothing was saved."))


async def timed_out(update: Update, context: PinganContext) -> None:
    """Says how to start again after a long pause (the draft is already dropped)."""
    await context.bot.send_message(update.effective_chat.id, _(
        "The new schedule was not saved because there was no answer for a while. Send /schedules to start again."))
