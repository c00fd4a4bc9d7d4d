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
REPORT_PREFIX = "rep_"
REPORT_PLAIN = "report"
ALERT_PREFIX = "alr_"
MEDIATION_PREFIX = "med_"


@dataclass(frozen=True)
class InvitePayload:
    code: str


@dataclass(frozen=True)
class ReportPayload:
    """Start a report; `group_ref` names the group the person came from (None: private)."""

    group_ref: str | None


@dataclass(frozen=True)
class AlertPayload:
    """Answer an urgent alert ("I have information"); `ref` is the alert's public reference."""

    ref: str


@dataclass(frozen=True)
class MediationPayload:
    """Answer an invitation to a mediation; `token` names the single-use link."""

    token: str


def start_link(bot_username: str, payload: str) -> str:
    if not _PAYLOAD_SHAPE.match(payload):
        raise ValueError(f"invalid deep-link payload {payload!r}")
    return f"https://t.me/{bot_username}?start={payload}"


def invite_payload(code: str) -> str:
    return INVITE_PREFIX + code


def report_payload(group_ref: str | None = None) -> str:
    return REPORT_PREFIX + group_ref if group_ref else REPORT_PLAIN


def alert_payload(ref: str) -> str:
    return ALERT_PREFIX + ref


def mediation_payload(token: str) -> str:
    return MEDIATION_PREFIX + token


def parse_payload(payload: str) -> InvitePayload | ReportPayload | AlertPayload | MediationPayload | None:
    """What a /start payload asks for, or None if it is not one we recognise."""
    if not _PAYLOAD_SHAPE.match(payload):
        return None
    if payload.startswith(INVITE_PREFIX) and len(payload) > len(INVITE_PREFIX):
        return InvitePayload(code=payload[len(INVITE_PREFIX):])
    if payload.startswith(ALERT_PREFIX) and len(payload) > len(ALERT_PREFIX):
        return AlertPayload(ref=payload[len(ALERT_PREFIX):])
    if payload.startswith(MEDIATION_PREFIX) and len(payload) > len(MEDIATION_PREFIX):
        return MediationPayload(token=payload[len(MEDIATION_PREFIX):])
    if payload == REPORT_PLAIN:
        return ReportPayload(group_ref=None)
    if payload.startswith(REPORT_PREFIX) and len(payload) > len(REPORT_PREFIX):
        return ReportPayload(group_ref=payload[len(REPORT_PREFIX):])
    return None
