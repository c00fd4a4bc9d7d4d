"""Replies are not bulk notifications: they take no slot of the 30-a-second window, in the rate
limiter as in the emulator's model of Telegram; a 429 on one still makes broadcasts back off."""

from __future__ import annotations

import asyncio
import time

from telegram.error import RetryAfter

from bot.emulator.flood import FloodLimiter
from bot.sender import PacedRateLimiter


async def _send(limiter: PacedRateLimiter, chat_id: int, callback=None, bulk: bool = False):
    async def sent():
        return True

    return await limiter.process_request(callback or sent, (), {}, "sendMessage", {"chat_id": chat_id},
                                         {"bulk": True} if bulk else None)


async def test_a_surge_of_replies_is_not_paced_like_a_broadcast():
    limiter = PacedRateLimiter(per_second=5)
    started = time.monotonic()
    await asyncio.gather(*(_send(limiter, 1000 + n) for n in range(50)))  # fifty residents answered
    assert time.monotonic() - started < 0.5  # at 5 a second a broadcast of fifty takes ten


async def test_a_429_on_a_reply_pauses_the_broadcast():
    limiter = PacedRateLimiter(per_second=50, max_retries=1)
    refused = [True]

    async def throttled():
        if refused:
            refused.pop()
            raise RetryAfter(1)
        return True

    reply = asyncio.create_task(_send(limiter, 1001, throttled))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await _send(limiter, -100, bulk=True)
    assert time.monotonic() - started > 0.8  # the lane waited out Telegram's second
    assert await reply is True  # and the reply went again after it


def test_the_emulator_counts_replies_only_in_their_own_chat():
    now = [0.0]
    flood = FloodLimiter(clock=lambda: now[0])
    flood.configure(True, global_per_second=30)
    for chat_id in range(1, 41):
        flood.heard_from(chat_id)
    assert all(flood.acquire(chat_id, private=True) is None for chat_id in range(1, 41))
    assert flood.acquire(1, private=True) is not None  # one a second in one private chat
    refused = [flood.acquire(-100 - n, private=False) for n in range(31)]
    assert refused[:30] == [None] * 30 and refused[30] == 1  # the bulk window is the 30 a second
    now[0] += 61  # a minute later the residents' chats count as bulk again
    assert [flood.acquire(chat_id, private=True) for chat_id in range(1, 32)][-1] == 1
