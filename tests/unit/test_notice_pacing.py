"""The rate limiter: broadcasts evenly paced within the limits, people's replies never behind them."""

from __future__ import annotations

import asyncio
import time

from bot.sender import PacedRateLimiter


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
