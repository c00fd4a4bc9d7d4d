"""A group's settings panel: kind, language, quiet hours, area, pausing notices — one message of
buttons, shown by /setup in the group or /groups in private, edited in place as it is used.

Every press is re-authorised: the presser must be a Pingan officer or administrator, or — when
pressing in the group itself — one of that group's Telegram administrators.
"""

from __future__ import annotations

import html
import logging

from telegram import ChatMember, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.callbacks import CallbackData, stable_key
from bot.context import PinganContext
from bot.i18n import _, current_locale
from bot.roles import may_manage_groups
from bot.services.errors import NotAllowed
from handlers.guards import edit_pressed
from handlers.labels import GROUP_NOTICES_LABELS, GROUP_PANEL_STATE_LABELS, LANGUAGE_NAMES, kind_label, label
from storage.models import Group, GroupKind

logger = logging.getLogger(__name__)

QUIET_PRESETS = ("22:00-07:00", "21:00-07:00", "23:00-06:00")
#: The starts and ends offered when quiet hours are picked one end at a time.
QUIET_STARTS = ("20:00", "21:00", "21:30", "22:00", "22:30", "23:00", "00:00")
QUIET_ENDS = ("05:00", "06:00", "06:30", "07:00", "07:30", "08:00")
#: Time zones offered as buttons, the ones Chinese stations use first; any other is typed.
COMMON_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau", "Asia/Singapore",
                "Asia/Tokyo", "Europe/London")


class GroupButton(CallbackData, prefix="grp", legacy=True):
    """A press on a settings panel. Panels stay in groups for months: the fields keep the order of
    the version-less `grp:action:group_id[:value]` they were first posted with."""

    action: str
    group_id: int
    #: A kind, a language code, a quiet-hours preset (2200-0700 or off) or start (2200), 1/0 to
    #: pause or resume notices, an area's key (`stable_key`), a time zone, or a proposed area's id.
    value: str = ""




async def may_change(update: Update, context: PinganContext, group: Group) -> bool:
    """A Pingan officer or administrator, or (in the group itself) one of its Telegram administrators."""
    if may_manage_groups(context.roles):
        return True
    chat = update.effective_chat
    if chat is None or chat.id != group.chat_id:
        return False
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator writes as the group itself; only administrators can
    return await _is_telegram_admin(context, group.chat_id, update.effective_user.id)


async def _is_telegram_admin(context: PinganContext, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        logger.info("could not check the admins of %s: %s", chat_id, exc)
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


# --- what the panel shows ------------------------------------------------------------------------

def panel(group: Group, context: PinganContext) -> dict:
    """The panel message: the settings (HTML) and their buttons."""
    config = context.services.config
    return {"text": panel_text(group, config.default_language, config.timezone), "reply_markup": _panel_keyboard(group)}


def panel_text(group: Group, default_language: str, default_timezone: str) -> str:
    quiet = (f"{group.quiet_start}–{group.quiet_end}" if group.quiet_start and group.quiet_end
             else _("deployment default"))
    timezone = group.timezone or _("{timezone} (deployment default)").format(timezone=default_timezone)
    title = html.escape(_("Settings of “{title}”")).format(title=html.escape(group.title or str(group.chat_id)))
    lines = [
        _("Kind: {kind}").format(kind=kind_label(group.kind)),
        _("Area: {area}").format(area=group.area or _("not set")),
        _("Language: {language}").format(language=LANGUAGE_NAMES[group.language or default_language]),
        _("Quiet hours: {quiet}").format(quiet=quiet),
        _("Time zone: {timezone}").format(timezone=timezone),
        _("Notices: {state}").format(state=label(GROUP_NOTICES_LABELS, group.notices_paused)),
        _("State: {state}").format(state=label(GROUP_PANEL_STATE_LABELS, group.active)),
    ]
    return f"<b>{title}</b>\n\n" + "\n".join(html.escape(line) for line in lines)


def _panel_keyboard(group: Group) -> InlineKeyboardMarkup:
    gid = group.id
    if group.notices_paused:
        pause = InlineKeyboardButton(_("Resume notices"), callback_data=GroupButton("pause", gid, "0").pack())
    else:
        pause = InlineKeyboardButton(_("Pause notices"), callback_data=GroupButton("pause", gid, "1").pack())
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(_("Kind"), callback_data=GroupButton("kinds", gid).pack()),
         InlineKeyboardButton(_("Language"), callback_data=GroupButton("langs", gid).pack())],
        [InlineKeyboardButton(_("Quiet hours"), callback_data=GroupButton("quiets", gid).pack()), pause],
        [InlineKeyboardButton(_("Area"), callback_data=GroupButton("areas", gid).pack()),
         InlineKeyboardButton(_("Time zone"), callback_data=GroupButton("tzs", gid).pack())],
    ])


def _back(group: Group) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("Back"), callback_data=GroupButton("show", group.id).pack())]


def _kinds(group: Group) -> dict:
    rows = [[InlineKeyboardButton(kind_label(kind), callback_data=GroupButton("kind", group.id, kind.value).pack())]
            for kind in GroupKind]
    return {"text": html.escape(_("What kind of group is “{title}”?").format(title=group.title)),
            "reply_markup": InlineKeyboardMarkup([*rows, _back(group)])}


def _languages(group: Group) -> dict:
    row = [InlineKeyboardButton(name, callback_data=GroupButton("lang", group.id, code).pack())
           for code, name in LANGUAGE_NAMES.items()]
    return {"text": html.escape(_("Which language should I use in “{title}”?").format(title=group.title)),
            "reply_markup": InlineKeyboardMarkup([row, _back(group)])}


def _quiet_hours(group: Group) -> dict:
    rows = [[InlineKeyboardButton(preset.replace("-", "–"),
                                  callback_data=GroupButton("quiet", group.id, preset.replace(":", "")).pack())]
            for preset in QUIET_PRESETS]
    rows.append([InlineKeyboardButton(_("Choose start and end"), callback_data=GroupButton("qstart", group.id).pack())])
    rows.append([InlineKeyboardButton(_("Use the deployment default"),
                                      callback_data=GroupButton("quiet", group.id, "off").pack())])
    text = _("Quiet hours for “{title}”: notices due then wait until they end.").format(title=group.title)
    return {"text": html.escape(text), "reply_markup": InlineKeyboardMarkup([*rows, _back(group)])}


def _quiet_starts(group: Group) -> dict:
    """The first half of picking quiet hours: when they start."""
    buttons = [InlineKeyboardButton(start, callback_data=GroupButton("qend", group.id, start.replace(":", "")).pack())
               for start in QUIET_STARTS]
    back = [InlineKeyboardButton(_("Back"), callback_data=GroupButton("quiets", group.id).pack())]
    return {"text": html.escape(_("When should quiet hours start in “{title}”?").format(title=group.title)),
            "reply_markup": InlineKeyboardMarkup([buttons[:4], buttons[4:], back])}


def _quiet_ends(group: Group, start: str) -> dict:
    """The second half: when quiet hours that start at `start` (HHMM) end."""
    buttons = [InlineKeyboardButton(end, callback_data=GroupButton("quiet", group.id,
                                                                   f"{start}-{end.replace(':', '')}").pack())
               for end in QUIET_ENDS]
    back = [InlineKeyboardButton(_("Back"), callback_data=GroupButton("qstart", group.id).pack())]
    text = _("Quiet hours in “{title}” start at {start}. When should they end?").format(
        title=group.title, start=f"{start[:2]}:{start[2:]}")
    return {"text": html.escape(text), "reply_markup": InlineKeyboardMarkup([buttons[:3], buttons[3:], back])}


def _timezones(group: Group, default_timezone: str) -> dict:
    """The common time zones as buttons, the deployment's default, and how to type another."""
    buttons = [InlineKeyboardButton(("✅ " if zone == group.timezone else "") + zone,
                                    callback_data=GroupButton("tz", group.id, zone.replace("/", ".")).pack())
               for zone in COMMON_ZONES]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(_("Use the deployment default ({timezone})").format(timezone=default_timezone),
                                      callback_data=GroupButton("tz", group.id, "off").pack())])
    rows.append([InlineKeyboardButton(_("Type another zone"), callback_data=GroupButton("tztype", group.id).pack())])
    text = _("Which time zone should schedules and quiet hours of “{title}” follow?").format(title=group.title)
    return {"text": html.escape(text), "reply_markup": InlineKeyboardMarkup([*rows, _back(group)])}


def _type_zone_hint(group: Group, private: bool) -> str:
    """How to type a zone that has no button (a popup: plain text)."""
    if private:
        return _("Send /groups tz {ref} followed by the zone's IANA name, e.g. /groups tz {ref} Europe/Berlin.").format(
            ref=group.ref)
    return _("Send /setup tz followed by the zone's IANA name, e.g. /setup tz Europe/Berlin.")


def area_confirmation(group: Group, area: str, proposal_id: int) -> dict:
    """Asks before an area nobody uses yet is created (a typo would otherwise make a new area)."""
    text = _("No group, staff member or setting uses the area “{area}” yet. Create it as the area of “{title}”?")
    return {"text": html.escape(text.format(area=area, title=group.title)),
            "reply_markup": InlineKeyboardMarkup([
                [InlineKeyboardButton(_("Yes, create it"),
                                      callback_data=GroupButton("areanew", group.id, str(proposal_id)).pack())],
                [InlineKeyboardButton(_("No, choose from the list"),
                                      callback_data=GroupButton("areas", group.id).pack())]])}


async def known_areas(context: PinganContext) -> list[str]:
    """Every area Pingan knows: the configured compounds and staff chats' areas, then those groups
    and staff members have."""
    config = context.services.config
    staff = [member.area for member in await context.services.people.staff_and_stewards() if member.area]
    areas = [*config.reports.areas, *(area for chat in config.staff_chats for area in chat.areas),
             *await context.services.groups.known_areas(), *staff]
    return list(dict.fromkeys(areas))


async def known_area(context: PinganContext, typed: str) -> str | None:
    """The known area `typed` names (letter case and spaces aside), spelt as it is known; None if new."""
    wanted = " ".join(typed.split()).casefold()
    return next((area for area in await known_areas(context) if " ".join(area.split()).casefold() == wanted), None)


async def area_choices(context: PinganContext, limit: int = 12) -> list[str]:
    """Areas offered as buttons: the first known ones."""
    return (await known_areas(context))[:limit]


async def _areas(context: PinganContext, group: Group, private: bool) -> dict:
    rows = [[InlineKeyboardButton(("✅ " if area == group.area else "") + area,
                                  callback_data=GroupButton("area", group.id, stable_key(area)).pack())]
            for area in await area_choices(context)]
    if private:
        rows.append([InlineKeyboardButton(_("Type another name"),
                                          callback_data=GroupButton("areatype", group.id).pack())])
    text = html.escape(_("Which area is “{title}” in?").format(title=group.title))
    if not private:
        text += "\n" + html.escape(_("Or send /setup area followed by the name."))
    return {"text": text, "reply_markup": InlineKeyboardMarkup([*rows, _back(group)])}


# --- presses -------------------------------------------------------------------------------------

async def panel_pressed(update: Update, context: PinganContext) -> None:
    """One press on a settings panel: re-authorised, then applied, then the panel redrawn."""
    query = update.callback_query
    pressed = GroupButton.parse(query.data)
    group = await context.services.groups.by_id(pressed.group_id) if pressed is not None else None
    if group is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not await may_change(update, context, group):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    private = update.effective_chat.type == ChatType.PRIVATE
    default_timezone = context.services.config.timezone
    views = {"kinds": lambda: _kinds(group), "langs": lambda: _languages(group),
             "quiets": lambda: _quiet_hours(group), "show": lambda: panel(group, context),
             "qstart": lambda: _quiet_starts(group), "tzs": lambda: _timezones(group, default_timezone)}
    if pressed.action in views:
        await edit_pressed(query, **views[pressed.action]())
    elif pressed.action == "qend" and f"{pressed.value[:2]}:{pressed.value[2:]}" in QUIET_STARTS:
        await edit_pressed(query, **_quiet_ends(group, pressed.value))
    elif pressed.action == "tztype":
        await query.answer(_type_zone_hint(group, private), show_alert=True)
        return
    elif pressed.action == "areanew":
        await _confirm_new_area(update, context, group, pressed.value)
        return
    elif pressed.action == "areas":
        await edit_pressed(query, **await _areas(context, group, private))
    elif pressed.action == "areatype" and private:
        await query.answer()
        await _ask_for_area(update, context, group)
        return
    else:
        change = await _change_pressed(context, pressed)
        if change is None:
            await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
            return
        await _apply(update, context, group, change)
        return
    await query.answer()


async def _change_pressed(context: PinganContext, pressed: GroupButton) -> dict | None:
    """The settings a press changes, or None if it names none (stale, or forged)."""
    action, value = pressed.action, pressed.value
    if action == "kind" and value in {k.value for k in GroupKind}:
        return {"kind": GroupKind(value)}
    if action == "lang" and value in LANGUAGE_NAMES:
        return {"language": value}
    if action == "quiet" and value == "off":
        return {"quiet_start": None, "quiet_end": None}
    if action == "quiet" and len(value) == 9 and value[4] == "-":
        return {"quiet_start": f"{value[:2]}:{value[2:4]}", "quiet_end": f"{value[5:7]}:{value[7:]}"}
    if action == "tz" and value == "off":
        return {"timezone": None}
    if action == "tz" and value.replace(".", "/") in COMMON_ZONES:  # "/" may not appear in callback data
        return {"timezone": value.replace(".", "/")}
    if action == "pause" and value in ("0", "1"):
        return {"notices_paused": value == "1"}
    if action == "area":
        # Re-resolved from the key: the list may have changed since the button was drawn.
        found = [area for area in await area_choices(context) if stable_key(area) == value]
        return {"area": found[0]} if found else None
    return None


async def _apply(update: Update, context: PinganContext, group: Group, change: dict) -> None:
    query = update.callback_query
    try:
        group = await context.services.groups.change(group.id, update.effective_user.id, context.roles,
                                                     telegram_admin=True, **change)
    except (NotAllowed, ValueError):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    if "language" in change and update.effective_chat.id == group.chat_id:
        # The group now reads another language: the panel answers in it at once.
        context.locale = group.language
        current_locale.set(group.language)
    await edit_pressed(query, **panel(group, context))
    await query.answer(_("Saved."))


async def _confirm_new_area(update: Update, context: PinganContext, group: Group, proposal: str) -> None:
    """The press that creates a proposed area: set, or "expired" when it was confirmed already."""
    query = update.callback_query
    try:
        changed = await context.services.groups.confirm_area(group.id, int(proposal) if proposal.isdigit() else 0,
                                                             update.effective_user.id, context.roles,
                                                             telegram_admin=True)
    except NotAllowed:
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    if changed is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    await edit_pressed(query, **panel(changed, context))
    await query.answer(_("Area set to “{area}”.").format(area=changed.area))


async def _ask_for_area(update: Update, context: PinganContext, group: Group) -> None:
    """Sends the prompt whose reply (or the next text typed) is the group's area (handlers/group_area.py)."""
    chat_id = update.effective_chat.id
    prompt = await context.bot.send_message(
        chat_id, html.escape(_("Reply to this message with the area of “{title}”.").format(title=group.title)),
        reply_markup=ForceReply(selective=True))
    try:
        await context.services.groups.ask_area(group.id, update.effective_user.id, context.roles,
                                               prompt.chat_id, prompt.message_id)
    except NotAllowed:
        await context.bot.send_message(chat_id, html.escape(_("Sorry, you are not allowed to do this.")))
