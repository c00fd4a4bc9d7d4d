"""Telegram misbehaving, injected: slow calls (`delay_next`), a seeded share of calls meeting one of
Telegram's failures (`RandomFaults`), and an outage of the whole API (`Outage`). Failures of the
next matching calls with a given status are `World.fail_next`.

This module decides what a call meets; `botapi.py` acts it out (an error answer, a held answer, a
closed connection, a group upgraded under the bot).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from enum import StrEnum


def take_matching(rules: list, method: str, params: dict):
    """The first rule for this call (its method, and its chat if it names one), one use of it
    consumed (the rule leaves `rules` with its last use); None if none matches."""
    for rule in rules:
        if rule.method != method.lower():
            continue
        if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
            continue
        rule.remaining -= 1
        if rule.remaining <= 0:
            rules.remove(rule)
        return rule
    return None

@dataclass
class _DelayRule:
    method: str
    seconds: float
    chat_id: int | str | None
    remaining: int


class Delays:
    """`delay_next(method, seconds)`: the next `times` calls of `method` (to `chat_id`, if given)
    are answered only after `seconds`."""

    def __init__(self) -> None:
        self._rules: list[_DelayRule] = []

    def delay_next(self, method: str, seconds: float, *, chat_id: int | str | None = None, times: int = 1) -> None:
        if seconds <= 0 or times < 1:
            raise ValueError("seconds must be positive and times at least 1")
        self._rules.append(_DelayRule(method.lower(), float(seconds), chat_id, int(times)))

    def take(self, method: str, params: dict) -> float:
        """Seconds to hold this call (0: none), consuming one use of the matching rule."""
        rule = take_matching(self._rules, method, params)
        return rule.seconds if rule is not None else 0.0


class FaultKind(StrEnum):
    SERVER_ERROR = "server_error"  # 500 or 502, nothing done
    FLOOD = "flood"  # 429 with retry_after, nothing done
    HANG = "hang"  # held past the client's read timeout, then done (the client has given up)
    DROP = "drop"  # the connection closed without an answer, nothing done
    FORBIDDEN = "forbidden"  # 403: bot kicked from the group / blocked by the user, nothing done
    CHAT_NOT_FOUND = "chat_not_found"  # 400 "chat not found", nothing done
    MIGRATE = "migrate"  # the basic group is upgraded to a supergroup first (the call then gets 400)


#: Faults that need a call naming a chat.
CHAT_FAULTS = frozenset({FaultKind.FORBIDDEN, FaultKind.CHAT_NOT_FOUND, FaultKind.MIGRATE})


@dataclass(frozen=True)
class Fault:
    """What one call meets: an error answer (`error_code`…), a hold before it is done, a dropped
    connection, or its basic group upgraded first."""

    kind: FaultKind
    error_code: int | None = None
    description: str = ""
    parameters: dict | None = None
    hold_seconds: float = 0.0


class RandomFaults:
    """On `share` of the calls (0..1), chosen by a seeded generator, one of `kinds`, picked evenly
    among those that fit the call (a chat fault only where the call names a chat, a migration only
    in a basic group), in proportion to `weights` (1 for a kind not named). `methods` limits which
    calls (None: all but `spared`)."""

    def __init__(self, share: float, *, seed: int = 0, kinds: frozenset[FaultKind] | None = None,
                 methods: frozenset[str] | None = None, spared: frozenset[str] = frozenset({"getme"}),
                 hang_seconds: float = 6.0, retry_after: int = 1,
                 weights: dict[FaultKind, float] | None = None) -> None:
        if not 0 <= share <= 1:
            raise ValueError("share must be between 0 and 1")
        self.share = share
        self.kinds = frozenset(FaultKind(k) for k in (kinds if kinds is not None else FaultKind))
        self.methods = frozenset(m.lower() for m in methods) if methods is not None else None
        self.spared = frozenset(m.lower() for m in spared)
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.weights = {FaultKind(k): float(w) for k, w in (weights or {}).items()}
        self._rng = random.Random(seed)
        #: How many calls met each kind, for the test's summary.
        self.counts: dict[FaultKind, int] = {kind: 0 for kind in FaultKind}

    def applies_to(self, method: str) -> bool:
        name = method.lower()
        return name not in self.spared and (self.methods is None or name in self.methods)

    def pick(self, method: str, chat_type: str | None) -> Fault | None:
        """The fault this call meets (None: none). `chat_type` is the type of the chat it names, if any."""
        if not self.applies_to(method) or self._rng.random() >= self.share:
            return None
        fitting = sorted(kind for kind in self.kinds
                         if (kind not in CHAT_FAULTS or chat_type is not None)
                         and (kind is not FaultKind.MIGRATE or chat_type == "group"))
        if not fitting:
            return None
        kind = FaultKind(self._rng.choices(fitting, [self.weights.get(k, 1.0) for k in fitting])[0])
        self.counts[kind] += 1
        return self._fault(kind, chat_type)

    def _fault(self, kind: FaultKind, chat_type: str | None) -> Fault:
        if kind is FaultKind.SERVER_ERROR:
            code = self._rng.choice((500, 502))
            return Fault(kind, code, "Internal Server Error" if code == 500 else "Bad Gateway")
        if kind is FaultKind.FLOOD:
            return Fault(kind, 429, f"Too Many Requests: retry after {self.retry_after}",
                         {"retry_after": self.retry_after})
        if kind is FaultKind.HANG:
            return Fault(kind, hold_seconds=self.hang_seconds)
        if kind is FaultKind.FORBIDDEN:
            reason = {"private": "bot was blocked by the user", "group": "bot was kicked from the group chat"}.get(
                chat_type or "", "bot was kicked from the supergroup chat")
            return Fault(kind, 403, f"Forbidden: {reason}")
        if kind is FaultKind.CHAT_NOT_FOUND:
            return Fault(kind, 400, "Bad Request: chat not found")
        return Fault(kind)


class Outage:
    """The whole Bot API down for a while: every call gets 502 Bad Gateway, as Telegram's front
    servers answer when the back end is away."""

    def __init__(self) -> None:
        self._until = 0.0
        self.refused = 0

    def start(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        self._until = time.monotonic() + seconds

    def end(self) -> None:
        self._until = 0.0

    @property
    def active(self) -> bool:
        return time.monotonic() < self._until

    def take(self) -> Fault | None:
        """The outage's answer to a call now, if the API is down."""
        if not self.active:
            return None
        self.refused += 1
        return Fault(FaultKind.SERVER_ERROR, 502, "Bad Gateway")
