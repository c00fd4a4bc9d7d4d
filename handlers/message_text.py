"""Texts cut to the size of a Telegram message, counted as Telegram counts (UTF-16 units)."""

from __future__ import annotations

#: Telegram's limit of one message's text (after entities are parsed).
MESSAGE_LIMIT = 4096


def split_plain(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units, cut at a line break or a space near the
    end of each piece where there is one (Chinese has none: cut anywhere)."""
    pieces = []
    while utf16_len(text) > limit:
        cut, used = 0, 0
        while used + _units(text[cut]) <= limit:
            used += _units(text[cut])
            cut += 1
        soft = max(text.rfind("\n", 0, cut), text.rfind(" ", 0, cut))
        if soft > cut // 2:
            cut = soft
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def utf16_len(text: str) -> int:
    return sum(_units(ch) for ch in text)


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1
