"""Configuration of the case workflow (`cases:`): time limits per grade, follow-up, visibility."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Grade = Literal["red", "orange", "yellow", "green"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradeLimits(_Section):
    accept_minutes: int = Field(ge=1)
    resolve_minutes: int = Field(ge=1)


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

    def limits_for(self, grade: str | None) -> GradeLimits:
        return self.limits.get(grade or self.default_grade) or self.limits[self.default_grade]
