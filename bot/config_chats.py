"""Which chat a case goes to: several staff chats by area (`staff_chats`), and a chat per handling
level (`cases.levels.<level>.chat_id`, 四事分办)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.config_notices import KeyedProblems

Level = Literal["grid", "community", "township", "county"]
#: The handling levels, lowest first: a case is raised one step along this.
LEVELS: tuple[Level, ...] = ("grid", "community", "township", "county")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _group_chat_id(value: int | None) -> int | None:
    if value is not None and value >= 0:
        raise ValueError("a group's chat id is negative (e.g. -1001234567890)")
    return value


class StaffChat(_Section):
    """A staff group that gets the cases of its areas instead of the default staff chat."""

    chat_id: int
    areas: list[str] = Field(min_length=1)

    @field_validator("chat_id")
    @classmethod
    def _group_id(cls, value: int) -> int:
        return _group_chat_id(value)

    @field_validator("areas")
    @classmethod
    def _named(cls, value: list[str]) -> list[str]:
        areas = [area.strip() for area in value]
        if any(not area for area in areas):
            raise ValueError("an area needs a name")
        return areas


class LevelChat(_Section):
    """The chat of one handling level: a case set to the level is posted there."""

    chat_id: int | None = None

    @field_validator("chat_id")
    @classmethod
    def _group_id(cls, value: int | None) -> int | None:
        return _group_chat_id(value)


def validate_staff_chats(chats: list[StaffChat]) -> list[StaffChat]:
    """Each chat listed once, each area in one chat only."""
    problems: list[tuple[str, str]] = []
    chat_at: dict[int, int] = {}
    area_at: dict[str, int] = {}
    for index, chat in enumerate(chats):
        if chat.chat_id in chat_at:
            problems.append((f"{index}.chat_id", f"the same chat is listed at staff_chats.{chat_at[chat.chat_id]}"))
        chat_at.setdefault(chat.chat_id, index)
        for area in chat.areas:
            if area in area_at and area_at[area] != index:
                problems.append((f"{index}.areas", f"area {area!r} is already sent to staff_chats.{area_at[area]}"))
            area_at.setdefault(area, index)
    if problems:
        raise KeyedProblems(problems)
    return chats


def staff_chat_for(chats: list[StaffChat], default: int | None, area: str | None) -> int | None:
    """The staff chat of an area: the one listing it, else the default staff chat."""
    wanted = (area or "").strip()
    return next((chat.chat_id for chat in chats if wanted in chat.areas), default)


def next_level(level: str | None) -> str | None:
    """The level a case at `level` is raised to; None at the top (or with no level yet)."""
    if level not in LEVELS or level == LEVELS[-1]:
        return None
    return LEVELS[LEVELS.index(level) + 1]
