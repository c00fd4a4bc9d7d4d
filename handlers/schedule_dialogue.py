"""The add-a-schedule dialogue (officers and administrators, in private): what to send, when, to
which kinds of group and areas, then a preview to save.

On the dialogue kernel (handlers/dialogue.py, docs/dialogues.md): the draft is saved after every
answer, so a restart in the middle loses nothing; a draft untouched for 15 minutes is dropped and
the next answer hears so (the SCHEDULE policy in bot/services/dialogues.py). Drawn in
schedule_dialogue.mmd; what it says in each state (the render table) is in schedule_prompts.py.
Every question after the first has Back; every one has Cancel: the routing of presses, messages
and /cancel is the staff form's (handlers/dialogue_form.py).
"""

from __future__ import annotations

import html
from enum import StrEnum
from pathlib import Path

from telegram import Update
from telegram.constants import ChatType

from bot.config_notices import AREA, DUTY_PHONE, ScheduleContent, ScheduleTargets, cron_problem, template_fields
from bot.context import PinganContext
from bot.i18n import N_, _
from bot.notice_jobs import arm
from bot.roles import may_manage_groups
from bot.services.dialogues import DialogueName
from bot.services.errors import NotAllowed
from bot.services.notice_texts import ScheduleProblem
from handlers.dialogue import Dialogue, Turn
from handlers.dialogue_form import Form, FormTexts
from handlers.labels import CRON_PRESETS, cron_label
from handlers.schedule_common import runs_text
from handlers.schedule_prompts import (
    CUSTOM_CRON,
    NewScheduleButton,
    ask_areas,
    ask_content,
    ask_cron,
    ask_kinds,
    ask_param,
    ask_time,
    ask_to_confirm,
    content_choices,
    next_param,
    preview_of,
)
from storage.models import GroupKind


class State(StrEnum):
    """What the bot waits for. Values are stored in drafts: keep them."""

    CHOOSING_CONTENT = "choosing_content"
    TYPING_PARAM = "typing_param"
    CHOOSING_TIME = "choosing_time"
    TYPING_CRON = "typing_cron"
    CHOOSING_KINDS = "choosing_kinds"
    TYPING_AREAS = "typing_areas"
    CONFIRMING = "confirming"


#: States answered by typing; a message typed in any other is pointed to the buttons.
TYPED = frozenset({State.TYPING_PARAM, State.TYPING_CRON, State.TYPING_AREAS})


# --- the steps: one per state -------------------------------------------------------------------

async def choose_content(turn: Turn) -> None:
    """Stores what to send; asks for the template's missing values, else for the time."""
    settings = turn.context.services.notices.texts.settings
    press = turn.pressed
    if press.action == "tpl" and press.key in settings.patrol_templates:
        template = settings.patrol_templates[press.key]
        needed = (template_fields(template.zh) | template_fields(template.en)) - {AREA}
        if settings.duty_phone:
            needed -= {DUTY_PHONE}
        await FORM.advance(turn, State.TYPING_PARAM if needed else State.CHOOSING_TIME,
                       content={"patrol_template": press.key, "params": {}}, params_needed=sorted(needed))
    elif press.action == "theme" and press.key in settings.themes and settings.themes[press.key].tips:
        await FORM.advance(turn, State.CHOOSING_TIME, content={"theme": press.key})
    elif press.action == "cal" and settings.theme_calendar:
        await FORM.advance(turn, State.CHOOSING_TIME, content={"theme_calendar": True})
    else:
        await FORM.expired(turn)


async def type_param(turn: Turn) -> None:
    """Stores one placeholder's value; asks for the next one, or for the time."""
    name = next_param(turn.draft.data)
    if name is None:
        await FORM.expired(turn)
        return
    value = turn.text.strip()[:100]
    if not value:
        await FORM.ask_again(turn, _("Please send the value as text."))
        return
    content = dict(turn.draft.data["content"])
    content["params"] = {**content.get("params", {}), name: value}
    more = next_param({**turn.draft.data, "content": content})
    await FORM.advance(turn, State.TYPING_PARAM if more else State.CHOOSING_TIME, content=content)


async def choose_time(turn: Turn) -> None:
    """Stores a preset time, or asks for a cron expression."""
    press = turn.pressed
    if press.action == "cron" and press.key in CRON_PRESETS:
        await FORM.advance(turn, State.CHOOSING_KINDS, cron=CRON_PRESETS[press.key])
    elif press.action == "cron" and press.key == CUSTOM_CRON:
        await FORM.advance(turn, State.TYPING_CRON)
    else:
        await FORM.expired(turn)


async def type_cron(turn: Turn) -> None:
    """Checks the cron expression (APScheduler) and moves on, or explains what is wrong."""
    text = " ".join(turn.text.split())
    if cron_problem(text, turn.context.services.notices.timezone):
        await FORM.ask_again(turn, _(
            "“{given}” is not a valid cron expression. It needs 5 fields: minute hour day month weekday, "
            "e.g. 0 21 * * * for every day at 21:00. Please try again.").format(given=text[:60]))
        return
    await FORM.advance(turn, State.CHOOSING_KINDS, cron=text)


async def choose_kinds(turn: Turn) -> None:
    """Toggles a kind of group (the question is redrawn); Done asks for the areas."""
    press = turn.pressed
    kinds = list(turn.draft.data.get("kinds") or [])
    if press.action == "kind" and press.key in {k.value for k in GroupKind}:
        kinds.remove(press.key) if press.key in kinds else kinds.append(press.key)
        draft = await turn.context.services.dialogues.save(turn.draft, data={**turn.draft.data, "kinds": kinds})
        await DIALOGUE.refresh(turn.context, turn.chat_id, draft)
    elif press.action == "kinds":
        await FORM.advance(turn, State.TYPING_AREAS, kinds=kinds)
    else:
        await FORM.expired(turn)


async def type_areas(turn: Turn) -> None:
    """Stores the areas typed (or none for "All areas") and shows the preview."""
    if turn.pressed is not None and turn.pressed.action != "areas":
        await FORM.expired(turn)
        return
    typed = (turn.text or "").replace("，", ",")
    areas = [a.strip()[:64] for a in typed.split(",") if a.strip()][:20]
    if preview_of(turn.context, turn.draft.data) is None:
        await FORM.drop(turn)
        await turn.context.bot.send_message(turn.chat_id, html.escape(_(
            "The notice chosen is no longer in the library. Send /schedules to start again.")))
        return
    await FORM.advance(turn, State.CONFIRMING, areas=areas)


async def confirm(turn: Turn) -> None:
    """Saves the schedule (roles and content re-checked by the service) and re-arms the timer."""
    context, data = turn.context, turn.draft.data
    if turn.pressed.action != "save" or "cron" not in data:
        await FORM.expired(turn)
        return
    await FORM.drop(turn)
    try:
        schedule = await context.services.notices.add_schedule(
            turn.draft.user_id, context.roles, data["cron"],
            ScheduleTargets(kinds=data.get("kinds", []), areas=data.get("areas", [])),
            ScheduleContent.model_validate(data["content"]))
    except NotAllowed:
        await turn.answer(_("Sorry, you are not allowed to do this."), alert=True)
        return
    except ScheduleProblem as problem:
        await turn.answer()
        await context.bot.send_message(turn.chat_id, html.escape(
            _("The schedule could not be saved: {problem}").format(problem=str(problem)[:300])))
        return
    await arm(context.application)
    await turn.answer(_("Saved."))
    runs = context.services.notices.next_runs(schedule, 3)
    saved = _("Schedule saved: {when}. Next runs: {runs}. Send /schedules to pause or delete it.")
    await context.bot.send_message(turn.chat_id, html.escape(saved.format(
        when=cron_label(schedule.cron), runs=runs_text(runs, schedule.timezone))))


def rewind(state: str, data: dict) -> dict:
    """Back to a template's values takes back the last one given (it is asked again)."""
    if state != State.TYPING_PARAM:
        return data
    params = dict(data["content"].get("params") or {})
    filled = [name for name in data.get("params_needed") or [] if name in params]
    if filled:
        params.pop(filled[-1])
    return {**data, "content": {**data["content"], "params": params}}


# --- entry and presses (the rest of the routing is the Form's) ---------------------------------

async def start_add(update: Update, context: PinganContext) -> None:
    """Asks what the schedule should send (a new draft replaces an unfinished one)."""
    query = update.callback_query
    if not may_manage_groups(context.roles) or update.effective_chat.type != ChatType.PRIVATE:
        if query:
            await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        else:
            await update.effective_message.reply_text(html.escape(_("Sorry, only officers and administrators can "
                                                                "manage notices.")))
        return
    if query:
        await query.answer()
    if not content_choices(context):
        await context.bot.send_message(update.effective_chat.id, html.escape(_(
            "The notice library is empty: add themes or patrol templates to the config file first.")))
        return
    await FORM.start(update, context, State.CHOOSING_CONTENT)


async def dialogue_pressed(update: Update, context: PinganContext) -> None:
    """A button of the dialogue: "Add a schedule" starts it; the others are the Form's."""
    press = NewScheduleButton.parse(update.callback_query.data)
    if press is not None and press.action == "start":
        await start_add(update, context)
        return
    await FORM.on_press(update, context, press)


DIALOGUE = Dialogue(
    name=DialogueName.SCHEDULE,
    states=State,
    steps={
        State.CHOOSING_CONTENT: choose_content,
        State.TYPING_PARAM: type_param,
        State.CHOOSING_TIME: choose_time,
        State.TYPING_CRON: type_cron,
        State.CHOOSING_KINDS: choose_kinds,
        State.TYPING_AREAS: type_areas,
        State.CONFIRMING: confirm,
    },
    prompts={
        State.CHOOSING_CONTENT: ask_content,
        State.TYPING_PARAM: ask_param,
        State.CHOOSING_TIME: ask_time,
        State.TYPING_CRON: ask_cron,
        State.CHOOSING_KINDS: ask_kinds,
        State.TYPING_AREAS: ask_areas,
        State.CONFIRMING: ask_to_confirm,
    },
    diagram=Path(__file__).with_suffix(".mmd"),
)

FORM = Form(
    DIALOGUE, NewScheduleButton, typed=TYPED, typed_with_buttons={State.TYPING_AREAS}, allowed=may_manage_groups,
    rewind=rewind,
    texts=FormTexts(
        expired=N_("This button has expired. Please send the command again."),
        cannot_continue=N_("Sorry, this new schedule cannot be continued. Send /schedules to start again."),
        timed_out=N_("The new schedule was not saved because there was no answer for a while. Send /schedules to "
                     "start again."),
    ),
)
