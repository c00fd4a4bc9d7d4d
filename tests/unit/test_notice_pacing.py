"""The rate limiter: broadcasts evenly paced within the limits, people's replies never behind them."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from telegram.error import RetryAfter

from bot.sender import PacedRateLimiter

pytestmark = pytest.mark.slow  # pacing is measured on the real clock


async def _call(limiter, stamps, *, bulk, chat_id, endpoint="sendMessage"):
    async def callback():
        stamps.append(time.monotonic())
        return True

    return await limiter.process_request(callback, (), {}, endpoint, {"chat_id": chat_id},
                                         {"bulk": True} if bulk else None)


async def test_bulk_sends_are_evenly_spaced_within_the_global_limit():
    limiter = PacedRateLimiter(per_second=50)
    stamps: list[float] = []
    await asyncio.gather(*(_call(limiter, stamps, bulk=True, chat_id=-100 - n) for n in range(40)))
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 1.02 / 50 - 0.004
    # No 1-second window ever holds more than the limit.
    assert all(sum(1 for t in stamps if s <= t < s + 1.0) <= 50 for s in stamps)


async def test_a_reply_does_not_wait_behind_a_broadcast():
    limiter = PacedRateLimiter(per_second=20)
    bulk_stamps: list[float] = []
    broadcast = asyncio.gather(*(_call(limiter, bulk_stamps, bulk=True, chat_id=-100 - n) for n in range(30)))
    await asyncio.sleep(0.2)  # the broadcast is under way, most of it still queued
    started = time.monotonic()
    reply_stamps: list[float] = []
    await _call(limiter, reply_stamps, bulk=False, chat_id=12345)
    assert reply_stamps[0] - started < 2 * 1.02 / 20 + 0.02
    assert len(bulk_stamps) < 30  # it went ahead of the queued broadcast
    await broadcast


async def test_per_group_limit_applies_to_bulk_sends():
    limiter = PacedRateLimiter(per_second=1000, per_group_per_minute=3)
    stamps: list[float] = []
    for _ in range(3):
        await _call(limiter, stamps, bulk=True, chat_id=-100)
    fourth = asyncio.create_task(_call(limiter, stamps, bulk=True, chat_id=-100))
    await asyncio.sleep(0.1)
    assert not fourth.done()  # the group had its 3 this minute
    fourth.cancel()
    other: list[float] = []
    await asyncio.wait_for(_call(limiter, other, bulk=False, chat_id=555), timeout=0.5)  # others are not held


class _ExactServer:
    """Telegram's global limit as the emulator enforces it: at most `limit` sends counted within
    any second, counted when a request *arrives* — which transit delays make later than the send."""

    def __init__(self, limit: int, seed: int) -> None:
        self.limit = limit
        self.arrivals: list[float] = []
        self.refused = 0
        self._random = random.Random(seed)

    async def send(self, weight: int = 1) -> bool:
        # One request in eight is held up on the way for longer than the limiter's 2% margin.
        delayed = self._random.random() < 1 / 8
        await asyncio.sleep(self._random.uniform(0.025, 0.045) if delayed else 0.001)
        now = time.monotonic()
        if sum(1 for t in self.arrivals if t > now - 1.0) + weight > self.limit:
            self.refused += 1
            raise RetryAfter(1)
        self.arrivals.extend([now] * weight)
        await asyncio.sleep(0.001)  # the answer's way back
        return True


async def test_requests_delayed_in_transit_do_not_overflow_telegrams_window():
    limiter = PacedRateLimiter(per_second=60)
    server = _ExactServer(limit=60, seed=7)

    async def send(n: int):
        return await limiter.process_request(server.send, (), {}, "sendMessage", {"chat_id": -100 - n},
                                             {"bulk": True, "urgent": True})

    await asyncio.gather(*(send(n) for n in range(150)))
    assert server.refused == 0
    assert len(server.arrivals) == 150


async def test_an_album_counts_as_one_message_per_photo():
    limiter = PacedRateLimiter(per_second=6)
    server = _ExactServer(limit=6, seed=1)
    album = {"chat_id": -100, "media": ["photo-1", "photo-2", "photo-3"]}

    async def send_album(n: int):
        return await limiter.process_request(server.send, (3,), {}, "sendMediaGroup", {**album, "chat_id": -100 - n},
                                             {"bulk": True})

    await asyncio.gather(*(send_album(n) for n in range(5)))
    assert server.refused == 0
    assert len(server.arrivals) == 15


async def _tagged_call(limiter, sent: list[str], tag: str, rate_limit_args):
    async def callback():
        sent.append(tag)
        return True

    return await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": -hash(tag) % 10**6 - 100},
                                         rate_limit_args)


async def test_routine_sends_queued_for_the_lane_let_an_alert_go_first():
    limiter = PacedRateLimiter(per_second=20)
    sent: list[str] = []
    notices = [asyncio.create_task(_tagged_call(limiter, sent, f"notice-{n}", {"bulk": True})) for n in range(20)]
    await asyncio.sleep(0.12)  # a few notices out, the rest queued for the lane
    before = len(sent)
    alerts = [asyncio.create_task(_tagged_call(limiter, sent, f"alert-{n}", {"bulk": True, "urgent": True}))
              for n in range(5)]
    await asyncio.gather(*alerts, *notices)
    after_press = sent[before:]
    # At most the one notice already holding the lane goes out before the alerts.
    assert max(i for i, tag in enumerate(after_press) if tag.startswith("alert")) <= 5


async def test_a_hold_keeps_routine_sends_back_while_an_alert_is_queued():
    limiter = PacedRateLimiter(per_second=50)
    sent: list[str] = []
    limiter.hold_routine(5.0)
    notice = asyncio.create_task(_tagged_call(limiter, sent, "notice", {"bulk": True}))
    await _tagged_call(limiter, sent, "reply", None)  # people are never held
    await _tagged_call(limiter, sent, "alert", {"bulk": True, "urgent": True})
    await asyncio.sleep(0.1)
    assert sent == ["reply", "alert"] and not notice.done()
    limiter.hold_routine(0)  # the alert's rows are out
    await asyncio.wait_for(notice, timeout=1)
    assert sent == ["reply", "alert", "notice"]
