"""Telegram's flood limits, modelled as sliding windows over the bot's sends.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
about 30 messages per second overall, 20 per minute in one group and about one per second in
one private chat. The real server enforces these loosely; the emulator enforces them exactly
(when enabled) so that a bot's handling of 429 / ``retry_after`` can be exercised.

The 30 a second is for bulk notifications: a reply to a chat that wrote to the bot within the last
``REPLY_WINDOW`` seconds counts only against that chat's own limit.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: Seconds after a chat wrote to the bot during which the bot's sends there are replies.
REPLY_WINDOW = 60.0


@dataclass
class SlidingWindow:
    """At most ``limit`` events within any ``period`` seconds."""

    limit: int
    period: float
    stamps: deque[float] = field(default_factory=deque)

    def wait_needed(self, now: float, weight: int = 1) -> float:
        """Seconds until ``weight`` more events fit (0 when they fit now)."""
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()
        overflow = len(self.stamps) + weight - self.limit
        if overflow <= 0:
            return 0.0
        if overflow > len(self.stamps):  # heavier than the whole window: wait a full period
            return self.period
        return self.stamps[overflow - 1] + self.period - now

    def add(self, now: float, weight: int = 1) -> None:
        self.stamps.extend([now] * weight)


class FloodLimiter:
    """Decides whether a send is allowed; disabled by default."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.enabled = False
        self.configure(False)

    def configure(self, enabled: bool, per_chat_per_minute: int = 20, global_per_second: int = 30,
                  private_per_second: int = 1) -> None:
        """(Re)configure the limits; all windows start empty."""
        self.enabled = enabled
        self._per_chat_per_minute = per_chat_per_minute
        self._private_per_second = private_per_second
        self._global = SlidingWindow(global_per_second, 1.0)
        self._chats: dict[int | str, SlidingWindow] = {}
        self._heard_at: dict[int | str, float] = {}

    def heard_from(self, chat_id: int | str | None) -> None:
        """Someone wrote (or pressed a button) in this chat: the bot's next sends there are replies."""
        if chat_id is not None:
            self._heard_at[chat_id] = self._clock()

    def acquire(self, chat_id: int | str, private: bool, weight: int = 1) -> int | None:
        """Record ``weight`` sends to ``chat_id``, or return the ``retry_after`` (whole seconds)
        Telegram would answer with when they exceed a limit (nothing is recorded then)."""
        if not self.enabled:
            return None
        now = self._clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = (SlidingWindow(self._private_per_second, 1.0) if private
                    else SlidingWindow(self._per_chat_per_minute, 60.0))
            self._chats[chat_id] = chat
        reply = now - self._heard_at.get(chat_id, float("-inf")) < REPLY_WINDOW
        wait = max(0.0 if reply else self._global.wait_needed(now, weight), chat.wait_needed(now, weight))
        if wait > 0:
            # Telegram's retry_after is a whole number of seconds, never 0.
            return max(1, math.ceil(wait))
        if not reply:
            self._global.add(now, weight)
        chat.add(now, weight)
        return None
