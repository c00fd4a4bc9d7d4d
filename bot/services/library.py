"""The notice library: the config file's themes, tips, patrol templates and theme calendar, with
the edits admins make by command (stored in the database) layered over it.

Tips have stable numbers in the rotation: a config tip's number is its position in the file
(0, 1, 2 …), a tip added by command gets 1000000 + its row id. Removing a tip only takes it out
of the rotation; adding one makes it "not yet had" for every group, so each group still gets
every tip of a theme before any repeats.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config_notices import (
    AREA,
    DUTY_PHONE,
    ID_PATTERN,
    Localized,
    NoticeSettings,
    PatrolTemplate,
    ScheduleContent,
    Theme,
    template_fields,
)
from bot.roles import may_edit_library
from bot.services.errors import NotAllowed, ServiceError
from bot.services.notice_texts import NoticeTexts
from storage.audit import AuditRepo
from storage.db import Database
from storage.library import LibraryRepo
from storage.models import LibraryOverlay
from storage.notices import ScheduleRepo

logger = logging.getLogger(__name__)

#: Who may edit the library: its texts go to every group, so administrators only.
MAX_TEXT = 1000
MAX_TITLE = 60




class LibraryProblem(ServiceError):
    """An edit that cannot be made; `code` names the reason, `params` fill its message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Library:
    """The merged library: `settings` as notices are rendered from, and each theme's tip numbers
    (aligned with `settings.themes[theme].tips`)."""

    settings: NoticeSettings
    tip_numbers: dict[str, list[int]] = field(default_factory=dict)


def merge(base: NoticeSettings, overlay: LibraryOverlay) -> Library:
    """The config library with the command edits over it."""
    entries: dict[str, tuple[Localized, str | None, list[tuple[int, Localized]]]] = {
        theme_id: (theme.title, theme.image, list(enumerate(theme.tips))) for theme_id, theme in base.themes.items()
    }
    for theme_id, title in overlay.themes.items():
        entries.setdefault(theme_id, (Localized(**title), None, []))
    for tip in overlay.tips:
        if tip["theme"] in entries:
            entries[tip["theme"]][2].append((tip["number"], Localized(zh=tip["zh"], en=tip["en"])))
    themes, numbers = {}, {}
    for theme_id, (title, image, tips) in entries.items():
        kept = [(number, tip) for number, tip in tips if (theme_id, number) not in overlay.disabled]
        # Not validated: a theme added by command may have no tips yet.
        themes[theme_id] = Theme.model_construct(title=title, tips=[tip for _, tip in kept], image=image)
        numbers[theme_id] = [number for number, _ in kept]
    templates = dict(base.patrol_templates)
    for template_id, texts in overlay.templates.items():
        old = base.patrol_templates.get(template_id)
        templates[template_id] = (old.model_copy(update={"zh": texts["zh"], "en": texts["en"]}) if old
                                  else PatrolTemplate(zh=texts["zh"], en=texts["en"]))
    # An entry whose theme has left the config file falls back to the config's own entry.
    calendar = {**base.theme_calendar,
                **{month: theme for month, theme in overlay.calendar.items() if theme in themes}}
    settings = base.model_copy(update={"themes": themes, "patrol_templates": templates, "theme_calendar": calendar})
    return Library(settings, numbers)


class LibraryService:
    """Edits of the notice library by command; each one is stored, audited and put in use."""

    def __init__(self, db: Database, clock: Clock, texts: NoticeTexts) -> None:
        self._db = db
        self._clock = clock
        self._texts = texts
        self._repo = LibraryRepo(db)
        self._schedules = ScheduleRepo(db)
        self._audit = AuditRepo(db)

    async def load(self) -> Library:
        """Reads the edits and puts the merged library in use."""
        library = merge(self._texts.base_settings, await self._repo.overlay())
        self._texts.use(library.settings, library.tip_numbers)
        return library

    @property
    def settings(self) -> NoticeSettings:
        return self._texts.settings

    def tip_numbers(self, theme_id: str) -> list[int]:
        return self._texts.tip_numbers.get(theme_id, [])

    # --- edits -----------------------------------------------------------------------------------

    def free_theme_id(self) -> str:
        """An id for a theme added by its title alone ("theme-7")."""
        number = len(self.settings.themes) + 1
        while f"theme-{number}" in self.settings.themes:
            number += 1
        return f"theme-{number}"

    async def add_theme(self, actor_id: int, roles, theme_id: str, title_zh: str, title_en: str) -> None:
        _require_editor(roles)
        theme_id = theme_id.strip().lower()
        if not re.match(ID_PATTERN, theme_id):
            raise LibraryProblem("bad_id", given=theme_id[:40])
        if theme_id in self.settings.themes:
            raise LibraryProblem("theme_exists", theme=theme_id)
        title_zh, title_en = _texts(title_zh, title_en, MAX_TITLE)
        await self._edit(actor_id, "notice.theme_added", theme_id,
                         {"title_zh": title_zh, "title_en": title_en},
                         lambda now: self._repo.add_theme(theme_id, title_zh, title_en, actor_id, now))

    async def add_tip(self, actor_id: int, roles, theme_id: str, zh: str, en: str) -> int:
        """Adds a tip to a theme; returns its number in the rotation."""
        _require_editor(roles)
        self._theme(theme_id)
        zh, en = _texts(zh, en, MAX_TEXT)
        now = self._clock.now()
        async with self._db.transaction():
            number = await self._repo.add_tip(theme_id, zh, en, actor_id, now)
            await self._audit.record(now, actor_id, "notice.tip_added", "notice_theme", theme_id,
                                     {"tip": number, "zh": zh, "en": en})
        await self.load()
        return number

    async def remove_tip(self, actor_id: int, roles, theme_id: str, number: int) -> None:
        """Takes a tip out of its theme's rotation (the last tip of a theme stays)."""
        _require_editor(roles)
        self._theme(theme_id)
        numbers = self.tip_numbers(theme_id)
        if number not in numbers:
            raise LibraryProblem("unknown_tip", theme=theme_id)
        if len(numbers) == 1:
            raise LibraryProblem("last_tip", theme=theme_id)
        now = self._clock.now()
        async with self._db.transaction():
            await self._repo.disable_tip(theme_id, number, actor_id, now)
            await self._audit.record(now, actor_id, "notice.tip_removed", "notice_theme", theme_id, {"tip": number})
        await self.load()

    async def set_template(self, actor_id: int, roles, template_id: str, zh: str, en: str) -> bool:
        """Sets or changes a patrol template; True if it is new. Placeholders are checked as
        check-config checks them: each needs a value from the group, the config or the schedules
        that use the template."""
        _require_editor(roles)
        template_id = template_id.strip().lower()
        if not re.match(ID_PATTERN, template_id):
            raise LibraryProblem("bad_id", given=template_id[:40])
        zh, en = _texts(zh, en, MAX_TEXT)
        fields: set[str] = set()
        for text in (zh, en):
            try:
                fields |= template_fields(text)
            except ValueError:
                raise LibraryProblem("braces") from None
        if DUTY_PHONE in fields and not self.settings.duty_phone:
            raise LibraryProblem("no_duty_phone")
        for schedule in await self._schedules.all():
            content = ScheduleContent.model_validate(schedule.content)
            if content.patrol_template != template_id:
                continue
            missing = fields - {AREA, DUTY_PHONE, *content.params}
            if missing:
                raise LibraryProblem("no_value", name=sorted(missing)[0], schedule=schedule.id)
        is_new = template_id not in self.settings.patrol_templates
        await self._edit(actor_id, "notice.template_set", template_id, {"zh": zh, "en": en, "new": is_new},
                         lambda now: self._repo.set_template(template_id, zh, en, actor_id, now),
                         subject_type="notice_template")
        return is_new

    async def set_month(self, actor_id: int, roles, month: int, theme_id: str) -> None:
        _require_editor(roles)
        if not 1 <= month <= 12:
            raise LibraryProblem("bad_month")
        if not self._theme(theme_id).tips:
            raise LibraryProblem("theme_no_tips", theme=theme_id)
        await self._edit(actor_id, "notice.calendar_set", str(month), {"month": month, "theme": theme_id},
                         lambda now: self._repo.set_month(month, theme_id, actor_id, now),
                         subject_type="notice_calendar")

    # --- helpers ---------------------------------------------------------------------------------

    def _theme(self, theme_id: str) -> Theme:
        theme = self.settings.themes.get(theme_id)
        if theme is None:
            raise LibraryProblem("unknown_theme", theme=theme_id[:40])
        return theme

    async def _edit(self, actor_id: int, action: str, subject_id: str, detail: dict, write,
                    subject_type: str = "notice_theme") -> None:
        now = self._clock.now()
        async with self._db.transaction():
            await write(now)
            await self._audit.record(now, actor_id, action, subject_type, subject_id, detail)
        logger.info("notice library: %s %s by %s", action, subject_id, actor_id)
        await self.load()


def _require_editor(roles) -> None:
    if not may_edit_library(roles):
        raise NotAllowed()


def _texts(zh: str, en: str, limit: int) -> tuple[str, str]:
    """Both texts, checked; without an English text, English groups get the Chinese one (a
    Chinese-only station must be able to add a tip)."""
    zh, en = (zh or "").strip(), (en or "").strip()
    if not zh:
        raise LibraryProblem("chinese_needed")
    en = en or zh
    if len(zh) > limit or len(en) > limit:
        raise LibraryProblem("too_long", limit=limit)
    return zh, en
