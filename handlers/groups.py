"""Groups: joining and leaving (my_chat_member), migration, `/setup` in a group and `/groups` in private.

Settings are changed from one panel of buttons, shown by /setup in the group or by /groups in
private. Every press is re-authorised: the presser must be a Pingan officer or administrator,
or — when pressing in the group itself — one of that group's Telegram administrators.
"""

from __future__ import annotations

import html
import logging

from telegram import ChatMember, ChatMemberUpdated, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError

from bot import callbacks
from bot.context import PinganContext
from bot.deeplinks import report_payload, start_link
from bot.i18n import _, current_locale, gettext_in
from bot.services.errors import NotAllowed
from bot.services.groups import canonical_zone, may_manage_groups
from handlers.labels import LANGUAGE_NAMES, kind_label
from storage.models import Group, GroupKind

logger = logging.getLogger(__name__)

FAMILY = "grp"
QUIET_PRESETS = ("22:00-07:00", "21:00-07:00", "23:00-06:00")

# --- joining, leaving, migrating -----------------------------------------------------------------

async def bot_membership_changed(update: Update, context: PinganContext) -> None:
    """Records the group when the bot is added, greets it once; marks it inactive when removed."""
    change: ChatMemberUpdated = update.my_chat_member
    chat = change.chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    member = change.new_chat_member
    status = member.status
    can_pin = bool(getattr(member, "can_pin_messages", False)) or status == ChatMember.OWNER
    membership = await context.services.groups.bot_status_changed(
        chat.id, chat.title or "", chat.type, status, can_pin, change.from_user.id if change.from_user else None
    )
    if membership.joined:
        await _greet(context, membership.group)


async def _greet(context: PinganContext, group: Group) -> None:
    locale = group.language or context.services.config.default_language
    if context.services.groups.is_staff_group(group):
        staff_text = gettext_in(
            locale,
            "Hello, I am Pingan. This is the staff chat: new reports arrive here as case cards, with buttons "
            "to accept, grade, assign and resolve them. Residents' details stay behind a staff-only button. "
            "Useful here: /cases, /case, /stats.",
        )
        try:
            await context.bot.send_message(group.chat_id, staff_text)
        except TelegramError as exc:
            logger.info("could not greet the staff chat %s: %s", group.chat_id, exc)
        return
    text = gettext_in(
        locale,
        "Hello, I am Pingan, the community safety assistant. I post patrol notices and anti-fraud tips "
        "here. To report a problem or a dispute, tap “Report” below: it opens a private chat with me, "
        "so nothing you report is shown in this group. Group administrators: send /setup to tell me "
        "what kind of group this is, its area and its language.",
    )
    button = InlineKeyboardButton(
        gettext_in(locale, "Report"), url=start_link(context.bot.username, report_payload(group.ref))
    )
    try:
        await context.bot.send_message(group.chat_id, text, reply_markup=InlineKeyboardMarkup([[button]]))
    except TelegramError as exc:  # e.g. the group does not let the bot write
        logger.info("could not greet group %s: %s", group.chat_id, exc)


async def group_migrated(update: Update, context: PinganContext) -> None:
    """A basic group became a supergroup: the record follows the new chat id."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        await context.services.groups.migrated(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await context.services.groups.migrated(message.migrate_from_chat_id, message.chat.id)


# --- authorisation -------------------------------------------------------------------------------

async def _is_telegram_admin(context: PinganContext, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        logger.info("could not check the admins of %s: %s", chat_id, exc)
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _may_change(update: Update, context: PinganContext, group: Group) -> bool:
    if may_manage_groups(context.roles):
        return True
    chat = update.effective_chat
    if chat is not None and chat.id == group.chat_id:
        return await _is_telegram_admin(context, group.chat_id, update.effective_user.id)
    return False


# --- the settings panel --------------------------------------------------------------------------

def panel_text(group: Group, default_language: str, default_timezone: str) -> str:
    quiet = (f"{group.quiet_start}–{group.quiet_end}" if group.quiet_start and group.quiet_end
             else _("deployment default"))
    state = _("active") if group.active else _("inactive (the bot was removed)")
    notices = _("paused") if group.notices_paused else _("on")
    lines = [
        _("Settings of “{title}”").format(title=html.escape(group.title or str(group.chat_id))),
        "",
        _("Kind: {kind}").format(kind=html.escape(kind_label(group.kind))),
        _("Area: {area}").format(area=html.escape(group.area or _("not set"))),
        _("Language: {language}").format(language=LANGUAGE_NAMES[group.language or default_language]),
        _("Quiet hours: {quiet}").format(quiet=quiet),
        _("Time zone: {timezone}").format(
            timezone=group.timezone or _("{timezone} (deployment default)").format(timezone=default_timezone)),
        _("Notices: {state}").format(state=notices),
        _("State: {state}").format(state=state),
    ]
    return f"<b>{lines[0]}</b>\n" + "\n".join(lines[1:])


def panel_keyboard(group: Group) -> InlineKeyboardMarkup:
    gid = group.id
    pause = (_("Resume notices"), callbacks.pack(FAMILY, "pause", gid, 0)) if group.notices_paused \
        else (_("Pause notices"), callbacks.pack(FAMILY, "pause", gid, 1))
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(_("Kind"), callback_data=callbacks.pack(FAMILY, "kinds", gid)),
         InlineKeyboardButton(_("Language"), callback_data=callbacks.pack(FAMILY, "langs", gid))],
        [InlineKeyboardButton(_("Quiet hours"), callback_data=callbacks.pack(FAMILY, "quiets", gid)),
         InlineKeyboardButton(pause[0], callback_data=pause[1])],
        [InlineKeyboardButton(_("Area"), callback_data=callbacks.pack(FAMILY, "areas", gid))],
    ])


async def _area_choices(context: PinganContext) -> list[str]:
    """Areas offered as buttons: the configured compounds, then those other groups have."""
    choices: list[str] = []
    for area in [*context.services.config.reports.areas, *await context.services.groups.known_areas()]:
        if area not in choices:
            choices.append(area)
    return choices[:12]


async def _areas_keyboard(context: PinganContext, group: Group, private: bool) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(("✅ " if area == group.area else "") + area,
                                  callback_data=callbacks.pack(FAMILY, "area", group.id, index))]
            for index, area in enumerate(await _area_choices(context))]
    if private:
        rows.append([InlineKeyboardButton(_("Type another name"),
                                          callback_data=callbacks.pack(FAMILY, "areatype", group.id))])
    rows.append([InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "show", group.id))])
    return InlineKeyboardMarkup(rows)


def _kinds_keyboard(group: Group) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(kind_label(kind), callback_data=callbacks.pack(FAMILY, "kind", group.id, kind.value))]
            for kind in GroupKind]
    rows.append([InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "show", group.id))])
    return InlineKeyboardMarkup(rows)


def _languages_keyboard(group: Group) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(name, callback_data=callbacks.pack(FAMILY, "lang", group.id, code))
         for code, name in LANGUAGE_NAMES.items()],
        [InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "show", group.id))],
    ])


def _quiet_keyboard(group: Group) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(preset.replace("-", "–"),
                                  callback_data=callbacks.pack(FAMILY, "quiet", group.id, preset.replace(":", "")))]
            for preset in QUIET_PRESETS]
    rows.append([InlineKeyboardButton(_("Use the deployment default"),
                                      callback_data=callbacks.pack(FAMILY, "quiet", group.id, "off"))])
    rows.append([InlineKeyboardButton(_("Back"), callback_data=callbacks.pack(FAMILY, "show", group.id))])
    return InlineKeyboardMarkup(rows)


def _panel(group: Group, context: PinganContext) -> dict:
    config = context.services.config
    return {"text": panel_text(group, config.default_language, config.timezone), "parse_mode": ParseMode.HTML,
            "reply_markup": panel_keyboard(group)}


# --- /setup (in a group) -------------------------------------------------------------------------

async def setup(update: Update, context: PinganContext) -> None:
    """Shows the group's settings panel, or sets the area / quiet hours given as arguments."""
    message = update.effective_message
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        await message.reply_text(_("Please send /setup in the group you want to set up. "
                                   "Officers and administrators can also use /groups here."))
        return
    group = await context.services.groups.seen(chat.id, chat.title or "", chat.type)
    if not await _may_change(update, context, group):
        await message.reply_text(_("Sorry, only this group's administrators and Pingan officers can set it up."))
        return
    args = context.args or []
    if args and args[0].lower() in ("area", "quiet", "tz", "timezone"):
        await _setup_argument(update, context, group, args[0].lower(), " ".join(args[1:]))
        return
    if args:
        await message.reply_text(_setup_usage())
        return
    await message.reply_text(**_panel(group, context))
    await message.reply_text(_setup_usage())


def _setup_usage() -> str:
    return _("To set the area, send /setup area followed by its name, e.g. /setup area Riverside Compound. "
             "For your own quiet hours, send e.g. /setup quiet 22:30-06:30 (or /setup quiet off). "
             "For the group's own time zone, send e.g. /setup tz Asia/Urumqi (or /setup tz off).")


async def _setup_argument(update: Update, context: PinganContext, group: Group, what: str, value: str) -> None:
    message = update.effective_message
    groups = context.services.groups
    actor = update.effective_user.id
    value = value.strip()
    if not value:  # "/setup quiet" and the like: the setting is named, its value is missing
        await message.reply_text(_setup_usage())
        return
    if what == "area":
        group = await groups.change(group.id, actor, context.roles, telegram_admin=True, area=value)
        await message.reply_text(_("Area set to “{area}”.").format(area=group.area))
        return
    if what in ("tz", "timezone"):
        await _setup_timezone(update, context, group, value)
        return
    quiet = _parse_quiet(value)
    if quiet is None:
        await message.reply_text(_("“{given}” is not a time range. Please write it like 22:30-06:30, or off.")
                                 .format(given=value[:20]))
        return
    start, end = quiet
    group = await groups.change(group.id, actor, context.roles, telegram_admin=True, quiet_start=start,
                                quiet_end=end)
    if start is None:
        await message.reply_text(_("This group now follows the deployment's quiet hours."))
    else:
        await message.reply_text(_("Quiet hours set to {start}–{end}: notices due then are sent when they end.")
                                 .format(start=start, end=end))


async def _setup_timezone(update: Update, context: PinganContext, group: Group, value: str) -> None:
    message = update.effective_message
    if value.lower() in ("off", "none", "default", "关闭", "无"):
        await context.services.groups.change(group.id, update.effective_user.id, context.roles,
                                             telegram_admin=True, timezone=None)
        await message.reply_text(_("This group now follows the deployment's time zone ({timezone}).")
                                 .format(timezone=context.services.config.timezone))
        return
    zone = canonical_zone(value)
    if zone is None:
        await message.reply_text(_("Sorry, “{given}” is not a time zone I know. Please give an IANA name "
                                   "such as Asia/Shanghai or Asia/Urumqi, or off.").format(given=value[:40]))
        return
    await context.services.groups.change(group.id, update.effective_user.id, context.roles, telegram_admin=True,
                                         timezone=zone)
    await message.reply_text(_("Time zone set to {timezone}: schedules and quiet hours of this group follow "
                               "its clock.").format(timezone=zone))


def _parse_quiet(value: str) -> tuple[str | None, str | None] | None:
    from bot.config_notices import is_hhmm

    text = value.strip().lower().replace("–", "-").replace("—", "-").replace(" ", "")
    if text in ("off", "none", "default", "关闭", "无"):
        return None, None
    if text.count("-") != 1:
        return None
    start, end = (part.zfill(5) for part in text.split("-"))
    if not (is_hhmm(start) and is_hhmm(end)) or start == end:
        return None
    return start, end


# --- /groups (in private) ------------------------------------------------------------------------

async def list_groups(update: Update, context: PinganContext) -> None:
    """Lists the groups with kind, area and state; a button per group opens its settings."""
    message = update.effective_message
    if not may_manage_groups(context.roles):
        await message.reply_text(_("Sorry, only officers and administrators can manage groups."))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(_("Please manage groups in a private chat with me."))
        return
    groups = context.services.groups
    args = context.args or []
    if len(args) >= 3 and args[0].lower() == "area":
        group = await groups.by_ref(args[1])
        if group is None:
            await message.reply_text(_("There is no group {ref}.").format(ref=args[1][:20]))
            return
        group = await groups.change(group.id, update.effective_user.id, context.roles, area=" ".join(args[2:]))
        await message.reply_text(**_panel(group, context))
        return
    everything = await groups.all()
    if not everything:
        await message.reply_text(_("Pingan is not in any group yet. Add the bot to a group, then send /setup there."))
        return
    lines = [_("Groups ({count}):").format(count=len(everything)), ""]
    rows = []
    for group in everything[:60]:
        state = _("active") if group.active else _("inactive")
        paused = " · " + _("notices paused") if group.notices_paused else ""
        area = group.area or _("no area")
        zone = f", {html.escape(group.timezone)}" if group.timezone else ""
        lines.append(f"• <b>{html.escape(group.title or str(group.chat_id))}</b> ({group.ref}) — "
                     f"{html.escape(kind_label(group.kind))}, {html.escape(area)}{zone}, {state}{paused}")
        rows.append([InlineKeyboardButton(group.title or str(group.chat_id),
                                          callback_data=callbacks.pack(FAMILY, "show", group.id))])
    lines += ["", html.escape(_("To set a group's area: open it and tap Area (or send /groups area <ref> <name>)."))]
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows))


async def area_reply(update: Update, context: PinganContext) -> bool:
    """A private Reply to an area prompt sets that group's area; False for any other message."""
    message = update.effective_message
    reply_to = message.reply_to_message
    if reply_to is None or not message.text or not may_manage_groups(context.roles):
        return False
    try:
        group = await context.services.groups.area_answered(
            message.chat_id, reply_to.message_id, update.effective_user.id, context.roles, message.text)
    except NotAllowed:
        return False
    if group is None:
        return False
    await message.reply_text(_("Area set to “{area}”.").format(area=group.area or _("not set")))
    await message.reply_text(**_panel(group, context))
    return True


async def area_typed(update: Update, context: PinganContext) -> bool:
    """Text typed (without Reply) soon after an area prompt: that group's area. False if no
    prompt waits (the message is then someone else's business)."""
    message = update.effective_message
    if not message.text or not may_manage_groups(context.roles):
        return False
    try:
        group = await context.services.groups.area_typed(message.chat_id, update.effective_user.id, context.roles,
                                                         message.text)
    except NotAllowed:
        return False
    if group is None:
        return False
    await message.reply_text(_("Area set to “{area}”.").format(area=group.area or _("not set")))
    await message.reply_text(**_panel(group, context))
    return True


# --- panel buttons -------------------------------------------------------------------------------

async def panel_pressed(update: Update, context: PinganContext) -> None:
    """One press on a settings panel: re-authorised, then applied, then the panel redrawn."""
    query = update.callback_query
    data = callbacks.parse(query.data, FAMILY)
    group = None
    if data is not None and data.args and data.args[0].isdigit():
        group = await context.services.groups.by_id(int(data.args[0]))
    if group is None:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if not await _may_change(update, context, group):
        await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
        return
    groups = context.services.groups
    actor = update.effective_user.id
    change: dict | None = None
    extra = data.args[1] if len(data.args) > 1 else None
    if data.action == "kinds":
        await query.edit_message_text(_("What kind of group is “{title}”?").format(title=group.title),
                                      reply_markup=_kinds_keyboard(group))
    elif data.action == "langs":
        await query.edit_message_text(_("Which language should I use in “{title}”?").format(title=group.title),
                                      reply_markup=_languages_keyboard(group))
    elif data.action == "quiets":
        await query.edit_message_text(_("Quiet hours for “{title}”: notices due then wait until they end.")
                                      .format(title=group.title), reply_markup=_quiet_keyboard(group))
    elif data.action == "kind" and extra in {k.value for k in GroupKind}:
        change = {"kind": GroupKind(extra)}
    elif data.action == "lang" and extra in LANGUAGE_NAMES:
        change = {"language": extra}
    elif data.action == "quiet" and extra is not None:
        if extra == "off":
            change = {"quiet_start": None, "quiet_end": None}
        elif len(extra) == 9 and extra[4] == "-":
            change = {"quiet_start": f"{extra[:2]}:{extra[2:4]}", "quiet_end": f"{extra[5:7]}:{extra[7:]}"}
    elif data.action == "areas":
        private = update.effective_chat.type == ChatType.PRIVATE
        hint = "" if private else "\n" + _("Or send /setup area followed by the name.")
        await query.edit_message_text(_("Which area is “{title}” in?").format(title=group.title) + hint,
                                      reply_markup=await _areas_keyboard(context, group, private))
    elif data.action == "area" and extra is not None and extra.isdigit():
        choices = await _area_choices(context)
        if int(extra) >= len(choices):
            await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
            return
        change = {"area": choices[int(extra)]}
    elif data.action == "areatype" and update.effective_chat.type == ChatType.PRIVATE:
        await query.answer()
        prompt = await context.bot.send_message(
            update.effective_chat.id,
            _("Reply to this message with the area of “{title}”.").format(title=group.title),
            reply_markup=ForceReply(selective=True))
        try:
            await groups.ask_area(group.id, actor, context.roles, prompt.chat_id, prompt.message_id)
        except NotAllowed:
            await context.bot.send_message(update.effective_chat.id, _("Sorry, you are not allowed to do this."))
        return
    elif data.action == "pause" and extra in ("0", "1"):
        change = {"notices_paused": extra == "1"}
    elif data.action == "show":
        await query.edit_message_text(**_panel(group, context))
    else:
        await query.answer(_("This button has expired. Please send the command again."), show_alert=True)
        return
    if change is not None:
        try:
            group = await groups.change(group.id, actor, context.roles, telegram_admin=True, **change)
        except (NotAllowed, ValueError):
            await query.answer(_("Sorry, you are not allowed to do this."), show_alert=True)
            return
        if "language" in change and update.effective_chat.id == group.chat_id:
            # The group now reads another language: the panel answers in it at once.
            context.locale = group.language
            current_locale.set(group.language)
        await query.edit_message_text(**_panel(group, context))
        await query.answer(_("Saved."))
        return
    await query.answer()
