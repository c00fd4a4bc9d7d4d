"""Configuration of the case workflow (`cases:`): time limits per grade (on the wall clock or the
working calendar), working hours, follow-up, visibility."""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.config_chats import Level, LevelChat

Grade = Literal["red", "orange", "yellow", "green"]
#: `wall`: a limit counts every minute; `working`: only working hours on working days (限时办理).
LimitCalendar = Literal["wall", "working"]
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradeLimits(_Section):
    accept_minutes: int = Field(ge=1)
    resolve_minutes: int = Field(ge=1)
    # On the working calendar a day of a limit (1440 minutes) is one working day, and the rest
    # counts working hours and minutes.
    calendar: LimitCalendar = "wall"


class WorkingHours(_Section):
    """The station's working day, in the deployment's time zone (`HH:MM`, start before end)."""

    start: str = "08:30"
    end: str = "17:30"

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK_TIME.match(value):
            raise ValueError(f"must be a time of day as HH:MM (for example 08:30), got {value!r}")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start_time >= self.end_time:
            raise ValueError(f"the working day must start before it ends ({self.start}–{self.end})")
        return self

    @property
    def start_time(self) -> time:
        return time.fromisoformat(self.start)

    @property
    def end_time(self) -> time:
        return time.fromisoformat(self.end)


def _limits(accept: int, resolve: int) -> GradeLimits:
    return GradeLimits(accept_minutes=accept, resolve_minutes=resolve)


class CaseSettings(_Section):
    # 限时办理: red act now; orange/yellow attention; green general. Minutes, from the report.
    limits: dict[Grade, GradeLimits] = Field(default_factory=lambda: {
        "red": _limits(15, 24 * 60),
        "orange": _limits(2 * 60, 3 * 24 * 60),
        "yellow": _limits(24 * 60, 7 * 24 * 60),
        "green": _limits(48 * 60, 15 * 24 * 60),
    })
    # Limits on the working calendar count these hours, on China's working days.
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    # The limits a case has before anyone grades it (emergencies are red from the start).
    default_grade: Grade = "yellow"
    remind_at_fraction: float = Field(default=0.8, gt=0, lt=1)
    followup_after_days: int = Field(default=3, ge=0)
    followup_no_response_days: int = Field(default=7, ge=1)
    spot_check_fraction: float = Field(default=0.1, ge=0, le=1)
    # A reporter's answer or new information the owner has not marked seen this long: remind them.
    unread_reminder_minutes: int = Field(default=60, ge=1)
    # Whether reporters are told the name of the staff member handling their case.
    show_staff_names: bool = False
    # 四事分办: the chat of each handling level; a case set to a level is posted there too.
    levels: dict[Level, LevelChat] = Field(default_factory=dict)

    def level_chat(self, level: str | None) -> int | None:
        """The chat of a handling level, None when it has none."""
        chat = self.levels.get(level) if level else None
        return chat.chat_id if chat else None

    def limits_for(self, grade: str | None) -> GradeLimits:
        return self.limits.get(grade or self.default_grade) or self.limits[self.default_grade]
