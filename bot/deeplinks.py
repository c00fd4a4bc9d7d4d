"""Deep-link payloads for https://t.me/<bot>?start=<payload>.

Telegram allows at most 64 characters of A-Z, a-z, 0-9, _ and - in a payload. Each kind of link
has a short prefix; parsing never trusts the payload beyond its shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
_PAYLOAD_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INVITE_PREFIX = "inv_"


@dataclass(frozen=True)
class InvitePayload:
    code: str


def start_link(bot_username: str, payload: str) -> str:
    if not _PAYLOAD_SHAPE.match(payload):
        raise ValueError(f"invalid deep-link payload {payload!r}")
    return f"https://t.me/{bot_username}?start={payload}"


def invite_payload(code: str) -> str:
    return INVITE_PREFIX + code


def parse_payload(payload: str) -> InvitePayload | None:
    """What a /start payload asks for, or None if it is not one we recognise."""
    if not _PAYLOAD_SHAPE.match(payload):
        return None
    if payload.startswith(INVITE_PREFIX) and len(payload) > len(INVITE_PREFIX):
        return InvitePayload(code=payload[len(INVITE_PREFIX):])
    return None
