"""Callback data for inline buttons: built and parsed in one place.

Format: `family:action[:arg…]`, at most 64 bytes (Telegram's limit). The data only identifies
what was pressed; it never authorises — handlers re-check the presser's stored roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class Callback:
    family: str
    action: str
    args: tuple[str, ...] = ()


def pack(family: str, action: str, *args: object) -> str:
    parts = [family, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part {part!r} has characters outside [A-Za-z0-9_.-]")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_BYTES} bytes")
    return data


def parse(data: str | None, family: str | None = None) -> Callback | None:
    """The callback, or None for anything malformed (stale, forged or from another version)."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        return None
    if family is not None and parts[0] != family:
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def pattern(family: str) -> str:
    """The CallbackQueryHandler pattern for one family of buttons."""
    return rf"^{re.escape(family)}:"
