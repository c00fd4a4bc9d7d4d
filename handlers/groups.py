"""/setup in a group and /groups in private: the entry points to a group's settings panel
(handlers/group_panel.py), and the settings given as arguments (`/setup area <name>`,
`/setup quiet 22:30-06:30`, `/setup tz Asia/Urumqi`, `/groups area <ref> <name>`,
`/groups tz <ref> <zone>`)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.config_notices import is_hhmm
from bot.context import PinganContext
from bot.i18n import _, ngettext
from bot.roles import may_manage_groups
from bot.services.groups import canonical_zone
from handlers.group_area import give_area
from handlers.group_panel import GroupButton, may_change, panel
from handlers.labels import GROUP_STATE_LABELS, kind_label, label
from storage.models import Group

#: What "no value of my own" is typed as, for quiet hours and time zones.
OFF_WORDS = ("off", "none", "default", "关闭", "无")
#: At most this many groups are listed (and get a button) in /groups.
LISTED_GROUPS = 60


# --- /setup (in a group) -------------------------------------------------------------------------

async def setup(update: Update, context: PinganContext) -> None:
    """Shows the group's settings panel, or sets the area / quiet hours / time zone given as arguments."""
    message = update.effective_message
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        await message.reply_text(html.escape(_("Please send /setup in the group you want to set up. "
                                               "Officers and administrators can also use /groups here.")))
        return
    group = await context.services.groups.seen(chat.id, chat.title or "", chat.type)
    if not await may_change(update, context, group):
        await message.reply_text(html.escape(_("Sorry, only this group's administrators and Pingan officers can "
                                               "set it up.")))
        return
    args = context.args or []
    if args and args[0].lower() in ("area", "quiet", "tz", "timezone"):
        await _setup_argument(update, context, group, args[0].lower(), " ".join(args[1:]).strip())
        return
    if args:
        await message.reply_text(_setup_usage())
        return
    await message.reply_text(**panel(group, context))
    await message.reply_text(_setup_usage())


def _setup_usage() -> str:
    return html.escape(_("To set the area, send /setup area followed by its name, e.g. /setup area Riverside "
                         "Compound. For your own quiet hours, send e.g. /setup quiet 22:30-06:30 (or /setup quiet "
                         "off). For the group's own time zone, send e.g. /setup tz Asia/Urumqi (or /setup tz off)."))


async def _setup_argument(update: Update, context: PinganContext, group: Group, what: str, value: str) -> None:
    """One setting given after /setup: the area, the quiet hours or the time zone."""
    message = update.effective_message
    if not value:  # "/setup quiet" and the like: the setting is named, its value is missing
        await message.reply_text(_setup_usage())
        return
    if what == "area":
        await give_area(update, context, group, value, telegram_admin=True)
    elif what == "quiet":
        await _setup_quiet(update, context, group, value)
    else:
        await _setup_timezone(update, context, group, value)


async def _setup_quiet(update: Update, context: PinganContext, group: Group, value: str) -> None:
    message = update.effective_message
    quiet = _parse_quiet(value)
    if quiet is None:
        await message.reply_text(html.escape(_("“{given}” is not a time range. Please write it like 22:30-06:30, "
                                               "or off.").format(given=value[:20])))
        return
    start, end = quiet
    await context.services.groups.change(group.id, update.effective_user.id, context.roles, telegram_admin=True,
                                         quiet_start=start, quiet_end=end)
    if start is None:
        await message.reply_text(html.escape(_("This group now follows the deployment's quiet hours.")))
    else:
        await message.reply_text(html.escape(_("Quiet hours set to {start}–{end}: notices due then are sent when "
                                               "they end.").format(start=start, end=end)))


async def _setup_timezone(update: Update, context: PinganContext, group: Group, value: str) -> None:
    """Sets the group's own time zone (or back to the deployment's); the caller checked who asks."""
    message = update.effective_message
    groups = context.services.groups
    if value.lower() in OFF_WORDS:
        await groups.change(group.id, update.effective_user.id, context.roles, telegram_admin=True, timezone=None)
        await message.reply_text(html.escape(_("This group now follows the deployment's time zone ({timezone}).")
                                             .format(timezone=context.services.config.timezone)))
        return
    zone = canonical_zone(value)
    if zone is None:
        await message.reply_text(html.escape(_("Sorry, “{given}” is not a time zone I know. Please give an IANA "
                                               "name such as Asia/Shanghai or Asia/Urumqi, or off.")
                                             .format(given=value[:40])))
        return
    await groups.change(group.id, update.effective_user.id, context.roles, telegram_admin=True, timezone=zone)
    await message.reply_text(html.escape(_("Time zone set to {timezone}: schedules and quiet hours of this group "
                                           "follow its clock.").format(timezone=zone)))


def _parse_quiet(value: str) -> tuple[str | None, str | None] | None:
    """(start, end) as HH:MM, (None, None) for off, or None if it is not a time range."""
    text = value.strip().lower().replace("–", "-").replace("—", "-").replace(" ", "")
    if text in OFF_WORDS:
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
        await message.reply_text(html.escape(_("Sorry, only officers and administrators can manage groups.")))
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(html.escape(_("Please manage groups in a private chat with me.")))
        return
    args = context.args or []
    if len(args) >= 3 and args[0].lower() in ("area", "tz", "timezone"):
        await _set_by_ref(update, context, args[0].lower(), args[1], " ".join(args[2:]))
        return
    everything = await context.services.groups.all()
    if not everything:
        await message.reply_text(html.escape(_("Pingan is not in any group yet. Add the bot to a group, then send "
                                               "/setup there.")))
        return
    heading = ngettext("Groups ({count}):", "Groups ({count}):", len(everything)).format(count=len(everything))
    lines = [html.escape(heading), ""]
    rows = []
    for group in everything[:LISTED_GROUPS]:
        lines.append("• " + _group_row(group))
        rows.append([InlineKeyboardButton(group.title or str(group.chat_id),
                                          callback_data=GroupButton("show", group.id).pack())])
    lines += ["", html.escape(_("To set a group's area: open it and tap Area (or send /groups area <ref> <name>)."))]
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


def _group_row(group: Group) -> str:
    """One group in /groups, as HTML: its title in bold, its ref, then what it is."""
    details = [kind_label(group.kind), group.area or _("no area")]
    if group.timezone:
        details.append(group.timezone)
    details.append(label(GROUP_STATE_LABELS, group.active))
    if group.notices_paused:
        details.append(_("notices paused"))
    return html.escape(_("{title} ({ref}) — {details}")).format(
        title=f"<b>{html.escape(group.title or str(group.chat_id))}</b>", ref=html.escape(group.ref),
        details=html.escape(_(", ").join(details)))


async def _set_by_ref(update: Update, context: PinganContext, what: str, ref: str, value: str) -> None:
    """`/groups area <ref> <name>` or `/groups tz <ref> <zone>`: sets it, as /setup would in the group."""
    group = await context.services.groups.by_ref(ref)
    if group is None:
        await update.effective_message.reply_text(html.escape(_("There is no group {ref}.").format(ref=ref[:20])))
        return
    if what == "area":
        await give_area(update, context, group, value, show_panel=True)
    else:
        await _setup_timezone(update, context, group, value)
