"""One run at a time, and the calls that come while it runs make one more pass of it, not one each;
the caller that started the run waits for its own pass only (bot/coalesced_runs.py, as
handlers/case_delivery.py's `deliver_owed` uses it)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.coalesced_runs import CoalescedRuns


class Passes:
    """Passes that record their flag and each wait for a permit; `spawn` keeps the tasks it starts."""

    def __init__(self, failing: set[int] = frozenset()) -> None:
        self.runs = CoalescedRuns()
        self.flags: list[bool] = []
        self.permits = asyncio.Semaphore(0)
        self.spawned: list[asyncio.Task] = []
        self._failing = failing

    async def one_pass(self, flag: bool) -> None:
        self.flags.append(flag)
        await self.permits.acquire()
        if len(self.flags) in self._failing:
            raise RuntimeError("Telegram down")

    async def begun(self, count: int) -> None:
        while len(self.flags) < count:
            await asyncio.sleep(0)

    def spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.create_task(coroutine)
        self.spawned.append(task)
        return task

    async def run(self, flag: bool = False) -> None:
        await self.runs.run(self.one_pass, flag, spawn=self.spawn)


async def test_calls_during_a_run_make_one_more_pass_with_their_flags_together():
    passes = Passes()
    first = asyncio.create_task(passes.run())
    await passes.begun(1)
    # Twenty reports while the first pass is out, one of them the start's "everything".
    await asyncio.gather(*(passes.run(n == 7) for n in range(20)))
    assert passes.flags == [False]  # they returned at once, leaving the pass to the run
    passes.permits.release()
    passes.permits.release()
    await first
    await asyncio.gather(*passes.spawned)
    assert passes.flags == [False, True]
    passes.permits.release()
    await passes.run()
    assert passes.flags == [False, True, False]  # no run going on: the caller makes the pass itself
    assert len(passes.spawned) == 1


async def test_the_caller_that_started_the_run_waits_for_its_own_pass_only():
    passes = Passes()
    first = asyncio.create_task(passes.run())
    await passes.begun(1)
    await passes.run()  # asked meanwhile
    passes.permits.release()
    await asyncio.wait_for(first, timeout=1)  # answered after its own pass…
    await passes.begun(2)  # …while the pass asked for meanwhile goes on in a task
    assert len(passes.spawned) == 1 and not passes.spawned[0].done()
    await passes.run()
    assert passes.flags == [False, False]  # asked of the run in its task, not run beside it
    passes.permits.release()
    passes.permits.release()
    await passes.spawned[0]
    assert passes.flags == [False, False, False]


async def test_a_failed_pass_is_the_callers_and_leaves_the_next_caller_free_to_run():
    passes = Passes(failing={1})
    passes.permits.release()
    with pytest.raises(RuntimeError):
        await passes.run()
    passes.permits.release()
    await passes.run()
    assert passes.flags == [False, False] and not passes.spawned


async def test_a_failed_pass_in_the_task_is_logged_and_frees_the_run(caplog):
    passes = Passes(failing={2})
    first = asyncio.create_task(passes.run())
    await passes.begun(1)
    await passes.run(True)
    passes.permits.release()
    passes.permits.release()
    with caplog.at_level(logging.ERROR):
        await first
        await asyncio.gather(*passes.spawned)  # the task does not fail: its failure is logged
    assert passes.flags == [False, True]
    assert "a pass asked for meanwhile failed" in caplog.text
    passes.permits.release()
    await passes.run()
    assert passes.flags == [False, True, False]
