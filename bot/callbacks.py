"""Callback data for inline buttons: one small typed definition per family of buttons.

    class CaseButton(CallbackData, prefix="case"):
        action: str
        case_id: int

    CaseButton("acc", 1234).pack()        # "case:1:acc:1234"
    CaseButton.parse("case:1:acc:1234")   # CaseButton(action="acc", case_id=1234)
    CallbackQueryHandler(on_case_button, pattern=CaseButton.pattern())

Data is `prefix:version:field…`, at most 64 bytes (Telegram's limit), each part within
[A-Za-z0-9_.-]. The version segment makes a button posted before an upgrade that changed its
family parse as None ("this button has expired") instead of doing something else; a family whose
old buttons stay in chats that matter (case cards, follow-up visits) sets `legacy=True` to go on
reading the version-less form they were posted with, field for field.

The data only identifies what was pressed; it never authorises: handlers re-check the presser's
stored roles on every press.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import typing
from typing import Any, ClassVar, Self

MAX_BYTES = 64
#: SQLite's integers are 64-bit: an id outside that range names nothing stored (and would raise).
SQLITE_INT_RANGE = range(-(2**63), 2**63)
_PART = re.compile(r"^[A-Za-z0-9_.\-]*$")
_PREFIX = re.compile(r"^[a-z][a-z0-9]*$")

#: Every family, by prefix (filled as the definitions are imported): prefixes are unique.
FAMILIES: dict[str, type[CallbackData]] = {}


class CallbackData:
    """Base of every family. Subclasses declare fields (str, int or bool) as annotations; fields
    with a default may be left out of old data that did not have them."""

    prefix: ClassVar[str]
    version: ClassVar[int]
    legacy: ClassVar[bool]
    _fields: ClassVar[tuple[dataclasses.Field, ...]]
    _types: ClassVar[dict[str, type]]

    def __init_subclass__(cls, *, prefix: str, version: int = 1, legacy: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.match(prefix):
            raise ValueError(f"callback prefix {prefix!r} must be lower-case letters and digits")
        if prefix in FAMILIES and FAMILIES[prefix].__qualname__ != cls.__qualname__:
            raise ValueError(f"callback prefix {prefix!r} is already used by {FAMILIES[prefix].__qualname__}")
        cls.prefix, cls.version, cls.legacy = prefix, version, legacy
        dataclasses.dataclass(frozen=True)(cls)
        cls._fields = dataclasses.fields(cls)
        hints = typing.get_type_hints(cls)
        cls._types = {f.name: hints[f.name] for f in cls._fields}
        for name, kind in cls._types.items():
            if kind not in (str, int, bool):
                raise TypeError(f"{cls.__qualname__}.{name}: callback fields are str, int or bool")
        FAMILIES[prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix, str(self.version)]
        for f in self._fields:
            value = getattr(self, f.name)
            parts.append(("1" if value else "0") if isinstance(value, bool) else str(value))
        for part in parts:
            if not _PART.match(part):
                raise ValueError(f"callback part {part!r} has characters outside [A-Za-z0-9_.-]")
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data {data!r} is longer than {MAX_BYTES} bytes")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The press, or None for anything malformed: stale, forged, or from another version."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split(":")
        if parts[0] != cls.prefix or not all(_PART.match(p) for p in parts):
            return None
        if len(parts) > 1 and parts[1].isdigit():
            if int(parts[1]) != cls.version:
                return None
            values = parts[2:]
        elif cls.legacy:
            values = parts[1:]  # posted before callback data had versions
        else:
            return None
        required = sum(1 for f in cls._fields if f.default is dataclasses.MISSING)
        if not required <= len(values) <= len(cls._fields):
            return None
        converted = {}
        for f, raw in zip(cls._fields, values, strict=False):
            value = _convert(raw, cls._types[f.name])
            if value is None:
                return None
            converted[f.name] = value
        return cls(**converted)

    @classmethod
    def pattern(cls) -> str:
        """The CallbackQueryHandler pattern: every press of the family, old versions included, so
        the family's own handler can say its button expired."""
        return rf"^{re.escape(cls.prefix)}:"


def stable_key(name: str) -> str:
    """A short key for a named thing in a button (an area, say): it stays the same when the list the
    button was drawn from changes, where a position in that list would then name another thing.
    Look the name up again by the key when the button is pressed."""
    return hashlib.sha256(name.encode()).hexdigest()[:10]


def stored_int(raw: str) -> int | None:
    """`raw` as an integer that fits an SQLite column (ids typed or pressed), or None."""
    if not re.fullmatch(r"-?\d+", raw):
        return None
    value = int(raw)
    return value if value in SQLITE_INT_RANGE else None


def _convert(raw: str, kind: type) -> str | int | bool | None:
    if kind is int:
        return stored_int(raw)
    if kind is bool:
        return {"1": True, "0": False}.get(raw)
    return raw
