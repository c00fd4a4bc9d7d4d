"""Slow calls, injected: the next matching calls are held before they are answered, as a Telegram
that hangs past the client's read timeout would hold them (failures with a status are
`World.fail_next`)."""

from __future__ import annotations

from dataclasses import dataclass


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
        for rule in self._rules:
            if rule.method != method.lower():
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rules.remove(rule)
            return rule.seconds
        return 0.0
