"""Updates of different people handled side by side, each chat's and each person's in arrival order.

python-telegram-bot hands every fetched update to the processor in its own task. An update waits
for every earlier update still in flight that shares its chat or its user (`effective_chat`,
`effective_user`): a resident's answers stay in order, a double tap's second press comes after the
first, and a group join is handled before the joiner's next private message. An update with
neither (a poll, an update kept only for its id) waits for everything before it, and everything
after it waits for it.

Whom an update waits for is settled the moment it arrives, before it takes one of the
`max_concurrent_updates` slots: the order is first-in first-out by construction, and an update
waiting for its chat holds no slot that an unrelated update could use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: ("chat", id) or ("user", id).
OrderKey = tuple[str, int]


def order_keys(update: object) -> frozenset[OrderKey]:
    """The chat and the user an update must stay in order with (empty: it is ordered with everything)."""
    if not isinstance(update, Update):
        return frozenset()
    keys = set()
    if update.effective_chat is not None:
        keys.add(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.add(("user", update.effective_user.id))
    return frozenset(keys)


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once, in arrival order within a chat or a user."""

    __slots__ = ("_latest", "_barrier", "_in_flight")

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        #: The latest update in flight for each chat and user (a key leaves when its update is done).
        self._latest: dict[OrderKey, asyncio.Future[None]] = {}
        #: The latest update in flight that is ordered with everything.
        self._barrier: asyncio.Future[None] | None = None
        self._in_flight: set[asyncio.Future[None]] = set()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Waits for the earlier updates this one must follow, then for a slot, then handles it.
        Replaces the base class's version, which takes the slot first (an update waiting for its
        chat would then hold a slot)."""
        keys = order_keys(update)
        earlier, done = self._arrive(keys)
        started = False
        try:
            if earlier:
                # Their outcome is theirs: this one only waits for them to end.
                await asyncio.wait(earlier)
            async with self._semaphore:
                started = True
                await self.do_process_update(update, coroutine)
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never started, never to be
            self._leave(keys, done)

    def _arrive(self, keys: frozenset[OrderKey]) -> tuple[set[asyncio.Future[None]], asyncio.Future[None]]:
        """Registers an arriving update (synchronously, so in arrival order): the updates in flight
        it must wait for, and the future its successors will wait for."""
        if keys:
            earlier = {self._latest[key] for key in keys if key in self._latest}
            if self._barrier is not None:
                earlier.add(self._barrier)
        else:
            earlier = set(self._in_flight)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._latest[key] = done
        if not keys:
            self._barrier = done
        self._in_flight.add(done)
        return earlier, done

    def _leave(self, keys: frozenset[OrderKey], done: asyncio.Future[None]) -> None:
        """Wakes the updates waiting for this one and forgets it (nothing is kept per chat or user)."""
        done.set_result(None)
        self._in_flight.discard(done)
        for key in keys:
            if self._latest.get(key) is done:
                del self._latest[key]
        if self._barrier is done:
            self._barrier = None

    @property
    def tracked_keys(self) -> int:
        """How many chats and users have an update in flight (0 once all are handled)."""
        return len(self._latest)

    async def all_handled(self) -> None:
        """Returns once every update that has arrived so far has been handled."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up: the state is made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: each update's state goes when it is handled."""
