"""One run of a job at a time, where calls that come while it runs need one more pass of it, not
one each: a burst of reports asks for the owed deliveries to be sent dozens of times a second, and
each pass reads everything owed."""

from __future__ import annotations

import asyncio
from types import TracebackType


class CoalescedRuns:
    """`if runs.ask(flag): async with runs: while (flag := runs.next_pass()) is not None: …` — the
    flag of the passes asked for meanwhile is or-ed together (at start: "everything, due or not")."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._asked: bool | None = None  # the next pass's flag; None: no pass asked for

    def ask(self, flag: bool = False) -> bool:
        """Asks for a pass; True when the caller is to make it (no run is going on), False when the
        run going on will."""
        self._asked = flag or bool(self._asked)
        return not self._lock.locked()

    def next_pass(self) -> bool | None:
        """The flag of the pass to make now, None when none was asked for since the last."""
        flag, self._asked = self._asked, None
        return flag

    async def __aenter__(self) -> CoalescedRuns:
        await self._lock.acquire()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        self._lock.release()
