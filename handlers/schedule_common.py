"""What the /schedules list, the add-a-schedule dialogue and /notice preview share: who may use
them, and how a schedule is described (HTML, every stored or typed value escaped here)."""

from __future__ import annotations

import html
from datetime import datetime

from telegram import Update
from telegram.constants import ChatType

from bot.context import PinganContext
from bot.datetext import moment_text
from bot.i18n import _, current_locale
from bot.roles import may_manage_groups
from handlers.labels import cron_label, kind_label
from storage.models import GroupKind


async def refuse_unless_manager(update: Update, context: PinganContext) -> bool:
    """Says why not (True) unless an officer or administrator writes in private."""
    if not may_manage_groups(context.roles):
        await update.effective_message.reply_text(html.escape(_("Sorry, only officers and administrators can "
                                                                "manage notices.")))
        return True
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(html.escape(_("Please manage notices in a private chat with me.")))
        return True
    return False


def content_line(context: PinganContext, content: dict) -> str:
    """What a schedule sends, as one line of HTML."""
    if content.get("patrol_template"):
        key = content["patrol_template"]
        known = context.services.notices.texts.settings.patrol_templates.get(key)
        template = html.escape(known.title_in(context.locale, key) if known else key)
        params = _(", ").join(str(v) for v in (content.get("params") or {}).values())
        if params:
            return html.escape(_("Patrol notice “{template}” ({params})")).format(
                template=template, params=html.escape(params))
        return html.escape(_("Patrol notice “{template}”")).format(template=template)
    if content.get("theme"):
        theme = context.services.notices.texts.settings.themes.get(content["theme"])
        title = theme.title.in_locale(context.locale) if theme else content["theme"]
        return html.escape(_("Anti-fraud tips, rotating through “{theme}”")).format(theme=html.escape(title))
    return html.escape(_("Anti-fraud tips from the month's theme (theme calendar)"))


def targets_text(targets: dict) -> str:
    """Which groups a schedule reaches, as plain text."""
    kinds = _(", ").join(kind_label(GroupKind(k)) for k in targets.get("kinds") or []) or _("all kinds of group")
    areas = _(", ").join(targets.get("areas") or []) or _("all areas")
    return _("{kinds}; {areas}").format(kinds=kinds, areas=areas)


def runs_text(times: list[datetime], timezone: str) -> str:
    """Fire times as local dates and times, or "none"."""
    return _(", ").join(moment_text(t, current_locale.get(), timezone) for t in times) or _("none")


def schedule_lines(cron: str, timezone: str, targets: dict, runs: list[datetime]) -> list[str]:
    """When a schedule fires, for which groups, and its next runs: lines of HTML."""
    return [
        html.escape(_("When: {when} ({timezone})")).format(when=html.escape(cron_label(cron)),
                                                          timezone=html.escape(timezone)),
        html.escape(_("Groups: {targets}")).format(targets=html.escape(targets_text(targets))),
        html.escape(_("Next runs: {runs}")).format(runs=html.escape(runs_text(runs, timezone))),
    ]
