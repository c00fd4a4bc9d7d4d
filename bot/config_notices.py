"""The `groups:` and `notices:` sections of the configuration (pydantic models).

Cross-references (a schedule's theme, template or placeholder) are checked here too, so that
`pingan check-config` names the exact key of every problem, e.g.
`notices.schedules.0.content.theme: unknown theme 'loans'`.
"""

from __future__ import annotations

import re
import string
from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from storage.models import GroupKind

#: Placeholders every patrol template may use without a schedule giving them.
AREA, PATROL_TIME, DUTY_PHONE = "area", "patrol_time", "duty_phone"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
_ID = re.compile(ID_PATTERN)


class KeyedProblems(ValueError):
    """Several problems, each at a key below the model that raised it (see format_validation_errors)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Localized(_Section):
    """A text in both shipped languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_locale(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh


def zone_problem(name: str) -> str | None:
    """None if `name` is an IANA time zone, else what is wrong."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)"
    return None


class GroupDeclaration(_Section):
    chat_id: int
    kind: GroupKind | None = None
    area: str | None = None
    language: Literal["zh", "en"] | None = None
    timezone: str | None = None  # the group's own IANA zone for schedules and quiet hours

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and zone_problem(value):
            raise ValueError(zone_problem(value))
        return value

    @field_validator("chat_id")
    @classmethod
    def _group_id(cls, value: int) -> int:
        if value >= 0:
            raise ValueError("a group's chat id is negative (e.g. -1001234567890)")
        return value


class QuietHours(_Section):
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM")
        return value


class Theme(_Section):
    title: Localized
    tips: list[Localized] = Field(min_length=1)
    image: str | None = None  # a file path, an https URL or a Telegram file_id


class PatrolTemplate(Localized):
    """A patrol notice's text, with the name officers pick it by and, per placeholder a schedule
    must fill, the question they are asked in plain words ("When is the patrol?")."""

    image: str | None = None
    title: Localized | None = None
    questions: dict[str, Localized] = Field(default_factory=dict)

    def title_in(self, locale: str, key: str) -> str:
        """Its name for officers; its id when the config gives none."""
        return self.title.in_locale(locale) if self.title else key


class ScheduleTargets(_Section):
    kinds: list[GroupKind] = Field(default_factory=list)  # empty: every kind
    areas: list[str] = Field(default_factory=list)  # empty: every area


class ScheduleContent(_Section):
    """Exactly one of: a patrol template (with params), a theme rotation, the theme calendar."""

    patrol_template: str | None = None
    params: dict[str, str] = Field(default_factory=dict)
    theme: str | None = None
    theme_calendar: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> ScheduleContent:
        chosen = [self.patrol_template is not None, self.theme is not None, self.theme_calendar]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of patrol_template, theme or theme_calendar: true")
        if self.params and self.patrol_template is None:
            raise ValueError("params only go with a patrol_template")
        return self

    @property
    def kind(self) -> str:
        if self.patrol_template is not None:
            return "patrol"
        return "theme" if self.theme is not None else "calendar"


class ScheduleDeclaration(_Section):
    id: str
    cron: str
    timezone: str | None = None  # default: the deployment's `timezone`
    targets: ScheduleTargets = Field(default_factory=ScheduleTargets)
    content: ScheduleContent
    paused: bool = False

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("use 1-32 lowercase letters, digits, '-' or '_' (starting with a letter or digit)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return " ".join(value.split())

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


def cron_problem(expression: str, timezone: str = "UTC") -> str | None:
    """None if `expression` is a valid standard 5-field cron expression, else what is wrong."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) != 5:
        return f"{expression!r} is not a 5-field cron expression (minute hour day month weekday)"
    try:
        CronTrigger.from_crontab(" ".join(fields), timezone=ZoneInfo(timezone))
    except ValueError as exc:
        return f"invalid cron expression {expression!r}: {exc}"
    return None


def template_fields(text: str) -> set[str]:
    """The `{placeholders}` of a template; raises ValueError if its braces are malformed."""
    names = set()
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if not re.fullmatch(r"[a-z_]+", field) or spec or conversion:
            raise ValueError(f"placeholder {{{field}}} is not a plain name like {{area}}")
        names.add(field)
    return names


class NoticeSettings(_Section):
    grace_minutes: int = Field(default=60, ge=0, le=24 * 60)
    duty_phone: str | None = None
    quiet_hours: QuietHours | None = None
    themes: dict[str, Theme] = Field(default_factory=dict)
    patrol_templates: dict[str, PatrolTemplate] = Field(default_factory=dict)
    theme_calendar: dict[int, str] = Field(default_factory=dict)
    schedules: list[ScheduleDeclaration] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> NoticeSettings:
        problems = self.reference_problems(self.schedules, "schedules")
        for key in self.themes:
            if not _ID.match(key):
                problems.append((f"themes.{key}", "theme ids are 1-32 lowercase letters, digits, '-' or '_'"))
        for key in self.patrol_templates:
            if not _ID.match(key):
                problems.append((f"patrol_templates.{key}",
                                 "template ids are 1-32 lowercase letters, digits, '-' or '_'"))
        for month, theme in self.theme_calendar.items():
            if not 1 <= month <= 12:
                problems.append((f"theme_calendar.{month}", "months are 1 to 12"))
            if theme not in self.themes:
                problems.append((f"theme_calendar.{month}", f"unknown theme {theme!r}"))
        for key, template in self.patrol_templates.items():
            fields: set[str] = set()
            for locale in ("zh", "en"):
                try:
                    fields |= template_fields(template.in_locale(locale))
                except ValueError as exc:
                    problems.append((f"patrol_templates.{key}.{locale}", str(exc)))
            for name in template.questions:
                if name not in fields:
                    problems.append((f"patrol_templates.{key}.questions.{name}",
                                     f"the template has no placeholder {{{name}}}"))
        seen: set[str] = set()
        for index, schedule in enumerate(self.schedules):
            if schedule.id in seen:
                problems.append((f"schedules.{index}.id", f"duplicate schedule id {schedule.id!r}"))
            seen.add(schedule.id)
        if problems:
            raise KeyedProblems(problems)
        return self

    def reference_problems(self, schedules: list[ScheduleDeclaration], prefix: str) -> list[tuple[str, str]]:
        """Problems with what the schedules refer to: themes, templates, placeholders."""
        problems = []
        for index, schedule in enumerate(schedules):
            problems += [(f"{prefix}.{index}.{key}", message)
                         for key, message in self.content_problems(schedule.content)]
        return problems

    def content_problems(self, content: ScheduleContent) -> list[tuple[str, str]]:
        """Problems with one schedule's content, keyed below `content`."""
        problems: list[tuple[str, str]] = []
        if content.theme is not None and content.theme not in self.themes:
            problems.append(("content.theme", f"unknown theme {content.theme!r}"))
        if content.theme_calendar and not self.theme_calendar:
            problems.append(("content.theme_calendar", "notices.theme_calendar is empty"))
        if content.patrol_template is not None:
            template = self.patrol_templates.get(content.patrol_template)
            if template is None:
                problems.append(("content.patrol_template", f"unknown patrol template {content.patrol_template!r}"))
                return problems
            available = {AREA, *content.params} | ({DUTY_PHONE} if self.duty_phone else set())
            for locale in ("zh", "en"):
                try:
                    missing = template_fields(template.in_locale(locale)) - available
                except ValueError:
                    continue  # reported under patrol_templates
                for name in sorted(missing):
                    where = "notices.duty_phone" if name == DUTY_PHONE else f"content.params.{name}"
                    problems.append(("content.params", f"placeholder {{{name}}} in template "
                                     f"{content.patrol_template!r} ({locale}) has no value (set {where})"))
        return problems

    def quiet_times(self) -> tuple[time, time] | None:
        if self.quiet_hours is None:
            return None
        return parse_hhmm(self.quiet_hours.start), parse_hhmm(self.quiet_hours.end)


def reference_problems_despite_errors(raw: Any) -> list[str]:
    """Cross-reference problems of a raw `notices:` mapping whose fields did not all validate.

    Pydantic runs NoticeSettings' own cross-reference check only when every field is valid, so
    one bad cron would hide an unknown theme until the next round. Here each theme, template and
    schedule content is validated on its own: the good parts are checked against each other and
    the bad ones (already reported as field errors) are only known by their ids, so nothing is
    reported twice and an operator fixes everything in one round.
    """
    if not isinstance(raw, dict):
        return []
    themes = raw.get("themes") if isinstance(raw.get("themes"), dict) else {}
    templates = raw.get("patrol_templates") if isinstance(raw.get("patrol_templates"), dict) else {}
    calendar = raw.get("theme_calendar") if isinstance(raw.get("theme_calendar"), dict) else {}
    good_templates: dict[str, PatrolTemplate] = {}
    for key, value in templates.items():
        try:
            good_templates[str(key)] = PatrolTemplate.model_validate(value)
        except ValueError:
            good_templates[str(key)] = PatrolTemplate.model_construct(zh="", en="")  # reported already
    duty_phone = raw.get("duty_phone") if isinstance(raw.get("duty_phone"), str) else None
    known = NoticeSettings.model_construct(
        themes={str(k): None for k in themes}, patrol_templates=good_templates, duty_phone=duty_phone,
        theme_calendar={k: v for k, v in calendar.items()})
    problems = []
    for month, theme in calendar.items():
        if isinstance(theme, str) and theme not in known.themes:
            problems.append((f"theme_calendar.{month}", f"unknown theme {theme!r}"))
    schedules = raw.get("schedules") if isinstance(raw.get("schedules"), list) else []
    for index, schedule in enumerate(schedules):
        if not isinstance(schedule, dict):
            continue
        try:
            content = ScheduleContent.model_validate(schedule.get("content"))
        except ValueError:
            continue  # reported as a field error
        problems += [(f"schedules.{index}.{key}", message) for key, message in known.content_problems(content)]
    return [f"notices.{key}: {message}" for key, message in problems]


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def is_hhmm(text: str) -> bool:
    return bool(_HHMM.match(text))


def declared_groups_problems(groups: list[GroupDeclaration]) -> list[tuple[str, str]]:
    seen: dict[int, int] = {}
    problems = []
    for index, group in enumerate(groups):
        if group.chat_id in seen:
            problems.append((f"{index}.chat_id", f"the same group is declared at groups.{seen[group.chat_id]}"))
        seen.setdefault(group.chat_id, index)
    return problems


def validate_declared_groups(groups: list[GroupDeclaration]) -> list[GroupDeclaration]:
    problems = declared_groups_problems(groups)
    if problems:
        raise KeyedProblems(problems)
    return groups
