"""The notice library in use, and one notice rendered from it.

The library is the config file's (themes, tips, patrol templates, theme calendar) with the edits
made by command layered over it: LibraryService (bot/services/library.py) merges them and hands
each new version here. Schedules, previews and /library all read it from this one place.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config_notices import AREA, DUTY_PHONE, NoticeSettings, ScheduleContent
from bot.i18n import gettext_in
from bot.services.errors import ServiceError
from storage.models import Group


class ScheduleProblem(ServiceError):
    """A schedule that does not work; `problems` are (key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class RenderedNotice:
    html_text: str
    image: str | None
    tip_number: int | None = None  # the tip's stable number in its theme's rotation
    theme: str | None = None


class NoticeTexts:
    """The library schedules and previews use, and the rendering of a notice from it."""

    def __init__(self, settings: NoticeSettings, clock: Clock, *, timezone: str) -> None:
        #: The library in the config file, under the edits made by command.
        self.base_settings = settings
        #: The merged library in use.
        self.settings = settings
        #: Each theme's stable tip numbers, aligned with `settings.themes[theme].tips`.
        self.tip_numbers: dict[str, list[int]] = {key: list(range(len(theme.tips)))
                                                  for key, theme in settings.themes.items()}
        self._clock = clock
        self._timezone = timezone

    def use(self, settings: NoticeSettings, tip_numbers: dict[str, list[int]]) -> None:
        """The merged library from now on (LibraryService calls this after every edit)."""
        self.settings = settings
        self.tip_numbers = tip_numbers

    def render(self, content: ScheduleContent, group: Group | None, locale: str, moment: datetime,
               used_tips: set[int] | None = None, timezone: str | None = None) -> RenderedNotice:
        """The message for one group (or a preview when `group` is None), HTML-escaped. `used_tips`
        are the tip numbers the group has had; the first tip not among them is chosen."""
        if content.patrol_template is not None:
            return self._render_patrol(content, group, locale)
        theme_id = content.theme if content.theme is not None else self.theme_of_month(moment, timezone)
        theme = self.settings.themes[theme_id]
        numbers = self.tip_numbers.get(theme_id) or list(range(len(theme.tips)))
        if not theme.tips:
            raise ScheduleProblem([("content.theme", f"theme {theme_id!r} has no tips")])
        used = used_tips or set()
        fresh = [position for position, number in enumerate(numbers) if number not in used]
        position = fresh[0] if fresh else 0
        header = gettext_in(locale, "Anti-fraud reminder: {theme}").format(theme=theme.title.in_locale(locale))
        tip = theme.tips[position].in_locale(locale)
        return RenderedNotice(f"<b>{html.escape(header)}</b>\n\n{html.escape(tip)}", theme.image, numbers[position],
                              theme_id)

    def _render_patrol(self, content: ScheduleContent, group: Group | None, locale: str) -> RenderedNotice:
        template = self.settings.patrol_templates[content.patrol_template]
        values = dict(content.params)
        if self.settings.duty_phone:
            values[DUTY_PHONE] = self.settings.duty_phone
        values[AREA] = (group.area or group.title) if group is not None else gettext_in(locale, "your area")
        body = html.escape(template.in_locale(locale)).format_map(
            _KeepMissing({k: html.escape(v) for k, v in values.items()}))
        header = gettext_in(locale, "Patrol notice")
        return RenderedNotice(f"<b>{html.escape(header)}</b>\n\n{body}", template.image)

    def theme_of_month(self, moment: datetime, timezone: str | None = None) -> str:
        month = moment.astimezone(ZoneInfo(timezone or self._timezone)).month
        theme = self.settings.theme_calendar.get(month)
        if theme is None:  # a month without a theme: the nearest earlier month's
            for back in range(1, 12):
                theme = self.settings.theme_calendar.get((month - back - 1) % 12 + 1)
                if theme:
                    break
        if theme is None:
            raise ScheduleProblem([("content.theme_calendar", "notices.theme_calendar is empty")])
        return theme

    def preview(self, content: ScheduleContent, locale: str) -> RenderedNotice:
        """The notice as a group would get it now, with the area left general."""
        return self.render(content, None, locale, self._clock.now())


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
