"""One run at a time, and the calls that come while it runs make one more pass of it, not one each
(bot/coalesced_runs.py, as handlers/case_delivery.py's `deliver_owed` uses it)."""

from __future__ import annotations

import asyncio
import contextlib

from bot.coalesced_runs import CoalescedRuns


async def test_calls_during_a_run_make_one_more_pass_with_their_flags_together():
    runs = CoalescedRuns()
    passes: list[bool] = []
    started = asyncio.Event()
    release = asyncio.Event()

    async def deliver(flag: bool = False) -> None:
        if not runs.ask(flag):
            return
        async with runs:
            while (pass_flag := runs.next_pass()) is not None:
                passes.append(pass_flag)
                started.set()
                await release.wait()

    first = asyncio.create_task(deliver())
    await started.wait()
    # Twenty reports while the first pass is out, one of them the start's "everything".
    await asyncio.gather(*(deliver(n == 7) for n in range(20)))
    assert passes == [False]  # they returned at once, leaving the pass to the run
    release.set()
    await first
    assert passes == [False, True]
    await deliver()
    assert passes == [False, True, False]  # no run going on: the caller makes the pass itself


async def test_a_failed_pass_leaves_the_next_caller_free_to_run():
    runs = CoalescedRuns()
    assert runs.ask()
    with contextlib.suppress(RuntimeError):
        async with runs:
            runs.next_pass()
            raise RuntimeError("Telegram down")
    assert runs.ask() and runs.next_pass() is False
