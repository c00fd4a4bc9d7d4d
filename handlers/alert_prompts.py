"""What each state of the /alert dialogue asks, and its buttons: the render functions of
handlers/alert_compose.py's render table. Texts only; the decisions are the steps'."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData, stable_key
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.services.alerts import KIND_LABELS, Problem, kind_label
from handlers.dialogue import Prompt
from handlers.labels import kind_label as group_kind_label
from storage.models import Draft, GroupKind


class AlertButton(CallbackData, prefix="alr"):
    """A button of the dialogue: what it does, and the choice it stands for (a kind id, a group
    kind, an area's key, 1/0 for pinning, hours)."""

    action: str
    value: str = ""


def button(label: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=AlertButton(action, value).pack())


def cancel_row() -> list[InlineKeyboardButton]:
    return [button(_("✖ Cancel"), "cancel")]


def problem_text(problem: Problem, context: PinganContext) -> str:
    settings = context.services.alerts.settings
    return {
        Problem.EMPTY_TEXT: _("The alert text is empty. Please type it."),
        Problem.TEXT_TOO_LONG: _("That is too long: please keep it to {limit} characters. Your text is kept "
                                 "below so you can shorten it.").format(limit=settings.max_text_chars),
        Problem.NOT_TEXT: _("Please type the alert as text."),
        Problem.TOO_MANY_PHOTOS: ngettext("That is more than {max} photo; the extra one was not added.",
                                          "That is more than {max} photos; the extra one was not added.",
                                          settings.max_photos).format(max=settings.max_photos),
        Problem.NOT_A_PHOTO: _("Please send a photo, or tap the button below."),
        Problem.NO_GROUPS: _("No active group matches that choice. Please choose other kinds or areas."),
        Problem.UNKNOWN_CHOICE: _("Please use the buttons."),
    }[problem]


# --- the questions: one per state (the render table is in alert_compose.py) ---------------------

async def ask_kind(context: PinganContext, draft: Draft) -> Prompt:
    buttons = [button(kind_label(kind), "kind", kind) for kind in KIND_LABELS]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [cancel_row()]
    return Prompt(html.escape(_("New urgent alert. What is it about?")), InlineKeyboardMarkup(rows))


async def ask_text(context: PinganContext, draft: Draft) -> Prompt:
    text = _("Type the alert as residents should read it: who or what, where, when, and what to do. "
             "At most {limit} characters.").format(limit=context.services.alerts.settings.max_text_chars)
    return Prompt(html.escape(text), InlineKeyboardMarkup([cancel_row()]))


async def ask_photos(context: PinganContext, draft: Draft) -> Prompt:
    limit = context.services.alerts.settings.max_photos
    count = len(draft.data.get("photos", []))
    if count:
        text = " ".join([
            ngettext("Send up to {max} photo if it helps (optional), then tap Done.",
                     "Send up to {max} photos if they help (optional), then tap Done.", limit).format(max=limit),
            ngettext("You have sent {count} photo so far.", "You have sent {count} photos so far.",
                     count).format(count=count),
        ])
    else:
        text = ngettext("Send up to {max} photo if it helps, or tap “Skip: no photos”.",
                        "Send up to {max} photos if they help, or tap “Skip: no photos”.", limit).format(max=limit)
    done = _("Done") if count else _("Skip: no photos")
    return Prompt(html.escape(text), InlineKeyboardMarkup([[button(done, "photos_done")], cancel_row()]))


async def ask_targets(context: PinganContext, draft: Draft) -> Prompt:
    counts = await context.services.alerts.target_counts(draft.data)
    kinds, areas = draft.data.get("kinds", []), draft.data.get("areas", [])
    rows = [[button(("✓ " if not kinds and not areas else "") + _("All active groups"), "tall")]]
    for kind in GroupKind:
        reached = counts.by_kind.get(kind.value, 0)
        if reached or kind.value in kinds:
            mark = "✓ " if kind.value in kinds else ""
            rows.append([button(f"{mark}{group_kind_label(kind)} ({reached})", "tk", kind.value)])
    for area, reached in counts.by_area.items():
        mark = "✓ " if area in areas else ""
        rows.append([button(f"{mark}📍 {area} ({reached})", "ta", stable_key(area))])
    rows.append([button(ngettext("Continue: {count} group", "Continue: {count} groups", counts.total).format(
        count=counts.total), "tdone")])
    rows.append(cancel_row())
    text = _("Which groups should get it? Tap group kinds and areas to narrow it down; with none chosen it "
             "goes to every active group. The number beside each choice is how many groups it reaches.")
    reach = ngettext("Now it reaches {count} group.", "Now it reaches {count} groups.", counts.total).format(
        count=counts.total)
    return Prompt(f"{html.escape(text)}\n\n<b>{html.escape(reach)}</b>", InlineKeyboardMarkup(rows))


async def ask_pin(context: PinganContext, draft: Draft) -> Prompt:
    counts = await context.services.alerts.target_counts(draft.data)
    text = ngettext("Pin it in the groups? I may pin in {pinnable} of the {total} group (where I am an "
                    "administrator allowed to pin).",
                    "Pin it in the groups? I may pin in {pinnable} of the {total} groups (where I am an "
                    "administrator allowed to pin).", counts.total).format(pinnable=counts.pinnable,
                                                                          total=counts.total)
    return Prompt(html.escape(text), InlineKeyboardMarkup([
        [button(_("📌 Yes, pin it"), "pin", "1"), button(_("No"), "pin", "0")], cancel_row()]))


async def ask_duration(context: PinganContext, draft: Draft) -> Prompt:
    settings = context.services.alerts.settings
    buttons = [button(_("{hours} h (usual)").format(hours=hours) if hours == settings.default_hours
                       else _("{hours} h").format(hours=hours), "hours", str(hours))
               for hours in settings.duration_choices]
    text = _("How long does it stay current? Before it expires I will ask you to extend or close it.")
    return Prompt(html.escape(text),
                  InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)] + [cancel_row()]))


async def ask_to_confirm(context: PinganContext, draft: Draft) -> Prompt:
    alerts = context.services.alerts
    total = (await alerts.target_counts(draft.data)).total
    hours = int(draft.data.get("hours", alerts.settings.default_hours))
    if draft.data.get("pin"):
        reach = ngettext("It goes to {count} group, pinned, and stays current for {hours} h.",
                         "It goes to {count} groups, pinned, and stays current for {hours} h.", total)
    else:
        reach = ngettext("It goes to {count} group and stays current for {hours} h.",
                         "It goes to {count} groups and stays current for {hours} h.", total)
    lines = [_("Above is exactly what residents will see."), reach.format(count=total, hours=hours)]
    approval = alerts.needs_approval(context.roles)
    if approval:
        lines.append(_("A supervisor must approve it before it goes out."))
    send = _("✅ Send for approval") if approval else _("✅ Send now")
    return Prompt(html.escape("\n".join(lines)), InlineKeyboardMarkup([[button(send, "confirm")], cancel_row()]))
