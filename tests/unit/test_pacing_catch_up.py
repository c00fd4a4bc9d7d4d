"""The bulk lane keeps its even schedule when the event loop wakes its sends late (a busy machine),
on a simulated loop: time moves only when the limiter sleeps, and each sleep may overrun."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot import sender
from bot.sender import STAMP_SLACK, PacedRateLimiter

PER_SECOND = 30
INTERVAL = 1.01 / PER_SECOND


class LateLoop:
    """A clock that moves only when the limiter sleeps, overrunning each sleep by the next lateness."""

    def __init__(self, lateness) -> None:
        self.now = 0.0
        self.lateness = lateness
        self._sleep = asyncio.sleep

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + next(self.lateness)
        await self._sleep(0)


async def _broadcast(limiter: PacedRateLimiter, loop: LateLoop, count: int, first_group: int = 0) -> list[float]:
    """`count` bulk sends, one after the other as one outbox worker makes them; the moments they went."""
    sent: list[float] = []

    async def send() -> bool:
        sent.append(loop.now)
        return True

    for n in range(count):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": -100 - first_group - n}, {"bulk": True})
    return sent


@pytest.fixture
def late_loop(monkeypatch):
    def make(lateness) -> tuple[PacedRateLimiter, LateLoop]:
        loop = LateLoop(lateness)
        monkeypatch.setattr(sender.asyncio, "sleep", loop.sleep)
        return PacedRateLimiter(per_second=PER_SECOND, clock=loop.clock), loop
    return make


async def test_sends_woken_late_catch_up_with_the_schedule_without_bunching(late_loop):
    # One wake-up in four is 8 ms late (2 ms a send on average, within what a send may make up).
    limiter, loop = late_loop(itertools.cycle([0.008, 0.0, 0.0, 0.0]))
    sent = await _broadcast(limiter, loop, 300)
    assert sent[-1] - sent[0] <= 299 * INTERVAL + 0.008 + 1e-9  # only the last lateness is still owed
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= INTERVAL - STAMP_SLACK - 1e-9
    assert all(sum(1 for t in sent if start <= t < start + 1.0) <= PER_SECOND for start in sent)


async def test_after_an_idle_lane_the_next_broadcast_starts_afresh(late_loop):
    # Every wake-up of the first broadcast is late, more than sends may make up: lateness is owed.
    limiter, loop = late_loop(itertools.repeat(0.008))
    await _broadcast(limiter, loop, 10)
    loop.lateness = itertools.repeat(0.0)
    loop.now += 60.0  # nothing to send for a minute: what was owed is forgotten, no burst follows
    sent = await _broadcast(limiter, loop, 3, first_group=10)
    assert [round(b - a, 6) for a, b in itertools.pairwise(sent)] == [round(INTERVAL, 6)] * 2
