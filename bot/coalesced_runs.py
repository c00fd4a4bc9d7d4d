"""One run of a job at a time, where calls that come while it runs need one more pass of it, not
one each: a burst of reports asks for the owed deliveries to be sent dozens of times a second, and
each pass reads everything owed. The caller that starts a run waits for its own pass only: the
passes the others asked for meanwhile go on in a task of their own, so that the one resident whose
report started the run is not kept waiting for everyone's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

OnePass = Callable[[bool], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, None]], object]


class CoalescedRuns:
    """`await runs.run(one_pass, flag, spawn=…)`: the flag of the passes asked for while a run goes
    on is or-ed together (at start: "everything, due or not")."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._asked: bool | None = None  # the next pass's flag; None: no pass asked for

    async def run(self, one_pass: OnePass, flag: bool = False, *, spawn: Spawn) -> None:
        """Makes a pass now when no run is going on (a failure in it is the caller's); when one is,
        only asks it for one more pass and returns. Passes asked for during this caller's pass run
        in a task `spawn` starts, which holds the run until none is left."""
        self._asked = flag or bool(self._asked)
        if self._lock.locked():
            return
        await self._lock.acquire()
        try:
            await one_pass(self._take_asked())
        except BaseException:
            self._lock.release()
            raise
        if self._asked is None:
            self._lock.release()
        else:
            spawn(self._passes_left(one_pass))

    async def idle(self) -> None:
        """Returns once no run is going on: for a caller that must see what the passes asked for so
        far did (a test, before it moves the clock)."""
        async with self._lock:
            return

    async def _passes_left(self, one_pass: OnePass) -> None:
        try:
            while (flag := self._take_asked()) is not None:
                await one_pass(flag)
        except Exception:  # the next call or the job's next round tries again
            logger.exception("a pass asked for meanwhile failed")
        finally:
            self._lock.release()

    def _take_asked(self) -> bool | None:
        flag, self._asked = self._asked, None
        return flag
