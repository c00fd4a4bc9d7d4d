"""/notice preview [theme or template]: a notice as groups would get it. Officers and administrators."""

from __future__ import annotations

import html

from telegram import Update

from bot.config_notices import AREA, DUTY_PHONE, NoticeSettings, ScheduleContent, template_fields
from bot.context import PinganContext
from bot.i18n import _
from handlers.schedule_common import refuse_unless_manager


async def notice(update: Update, context: PinganContext) -> None:
    """`/notice preview [theme or template]`: shows a notice as groups would get it."""
    if await refuse_unless_manager(update, context):
        return
    args = context.args or []
    texts = context.services.notices.texts
    message = update.effective_message
    if not args or args[0].lower() != "preview":
        await message.reply_text(html.escape(_("Send /notice preview, or /notice preview followed by a "
                                               "theme or patrol template id.")))
        return
    wanted = args[1] if len(args) > 1 else None
    content = _content_to_preview(texts.settings, wanted, context.locale)
    if content is None:
        ids = ", ".join([*texts.settings.themes, *texts.settings.patrol_templates]) or _("none")
        await message.reply_text(html.escape(_("There is no theme or template “{given}”. Available: {ids}.").format(
            given=(wanted or "")[:32], ids=ids)))
        return
    await message.reply_text(texts.preview(content, context.locale).html_text)


def _content_to_preview(settings: NoticeSettings, wanted: str | None, locale: str) -> ScheduleContent | None:
    """The theme or template asked for (a template's own placeholders shown as [name]); with
    nothing asked for, the month's theme or else the first theme with tips. None if unknown."""
    if wanted is None:
        if settings.theme_calendar:
            return ScheduleContent(theme_calendar=True)
        with_tips = [key for key, theme in settings.themes.items() if theme.tips]
        return ScheduleContent(theme=with_tips[0]) if with_tips else None
    if wanted in settings.themes and settings.themes[wanted].tips:
        return ScheduleContent(theme=wanted)
    if wanted in settings.patrol_templates:
        fields = template_fields(settings.patrol_templates[wanted].in_locale(locale))
        return ScheduleContent(patrol_template=wanted, params={f: f"[{f}]" for f in fields - {AREA, DUTY_PHONE}})
    return None
