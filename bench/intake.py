"""How long the bot takes to answer each step of a full incident report, with 200 residents in
the middle of their report dialogues at the same time, through the emulator on loopback.

`pingan run` runs in its own process, as in production. Each resident files a report the shortest
way, pausing before each step as a person does (`--think`, varied per step, so that they do not
step in time with each other). Prints the machine, the taps and typed answers one report needs, the
steps per second the residents made, and the bot's reply latency per step — from a typed answer or
a press to the bot's next message in the chat (the next question, or the confirmation with the
reference) — p50, p99 (target ≤ 50 ms) and max; then from a press to the press's answer (the
button's spinner stops), and the three steps slowest at p99. The person's own reading and tapping
time is not counted, nor this process's garbage collection (it is the instrument: it is held off
while timing, `bench/instrument.py`). It runs once per `--concurrent-updates` value, in turn in the
same run: 1 handles updates one at a time (the old way), 32 is the default (different chats side by
side, each chat in order). Run:
    .venv/bin/python bench/intake.py [--residents 200] [--reports 1] [--think 3] [--concurrent-updates 1 32]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from botprocess import cpu_seconds, spawn_pingan, stop, write_config  # noqa: E402
from instrument import collector_held  # noqa: E402
from machine import machine_line  # noqa: E402

from bot.emulator import Emulator  # noqa: E402
from tests.flows import submit, walk_incident  # noqa: E402
from tests.harness import UserClient  # noqa: E402

TOKEN = "4243:bench-intake"
#: How long a person waits for an answer before giving up (a test waits 5 s; on a loaded machine,
#: with updates handled one at a time, a reply can take longer, and it is timed, not lost).
PATIENCE_SECONDS = 30.0


class Steps:
    """The latencies of every step of every resident, by step: a typed answer's, or a press's (the
    button's text)."""

    def __init__(self) -> None:
        self.replies: dict[str, list[float]] = collections.defaultdict(list)  # to the bot's next message
        self.answers: list[float] = []  # a press to the press's answer (the spinner stops)

    def all_replies(self) -> list[float]:
        return sorted(latency for latencies in self.replies.values() for latency in latencies)


class TimedUser(UserClient):
    """A UserClient that records how long the bot took to reply to each step, and pauses like a
    person between steps. A reply is the bot's next message in the chat: the next question, or the
    confirmation with the reference."""

    steps: Steps
    think: float = 0.0
    pauses: random.Random
    taps: int = 0
    typed: int = 0
    _sent_at: float | None = None

    async def send(self, text=None, **kwargs):
        # A benchmark, not a test: people take time to read and type.
        await asyncio.sleep(self.pauses.uniform(0.5, 1.5) * self.think)
        self.typed += 1
        self._sent_at = time.perf_counter()
        return await super().send(text, **kwargs)

    async def reply(self, timeout=5.0):
        message = await super().reply(max(timeout, PATIENCE_SECONDS))
        if self._sent_at is not None:  # the first reply to a typed answer
            self.steps.replies["typed"].append(time.perf_counter() - self._sent_at)
            self._sent_at = None
        return message

    async def click(self, message, text=None, data=None, timeout=5.0):
        await asyncio.sleep(self.pauses.uniform(0.5, 1.5) * self.think)
        self.taps += 1
        started = time.perf_counter()

        async def next_message_at() -> float:
            await self.emulator.wait_for(self._new_bot_messages, timeout=PATIENCE_SECONDS)
            return time.perf_counter()

        replied = asyncio.ensure_future(next_message_at())
        answer = await super().click(message, text=text, data=data, timeout=max(timeout, PATIENCE_SECONDS))
        self.steps.answers.append(time.perf_counter() - started)
        self.steps.replies[text or data].append(await replied - started)
        return answer


def percentile(latencies: list[float], share: float) -> float:
    """Of sorted latencies."""
    return latencies[min(len(latencies) - 1, int(len(latencies) * share))]


def figures(latencies: list[float]) -> str:
    latencies = sorted(latencies)
    return (f"p50 {statistics.median(latencies) * 1000:6.1f} ms   p99 {percentile(latencies, 0.99) * 1000:6.1f} ms   "
            f"max {latencies[-1] * 1000:6.1f} ms")


async def one_report(user: TimedUser) -> tuple[int, int]:
    """Files one incident report the shortest way; returns the taps and typed answers it took."""
    await submit(user, await walk_incident(user, where_button="Skip this question"), card_in=None)
    return user.taps, user.typed


async def resident(emulator: Emulator, n: int, steps: Steps, think: float, reports: int) -> TimedUser:
    """One person filing `reports` reports one after the other, pausing like a person between steps."""
    user_json = emulator.add_user(first_name=f"Resident {n}", language_code="en")
    emulator.add_private_chat(user_json["id"])
    user = TimedUser(emulator, user_json, user_json["id"])
    user.steps, user.think, user.pauses = steps, think, random.Random(n)
    await asyncio.sleep(user.pauses.uniform(0, think))  # people do not start in step with each other
    for _ in range(reports):
        user.taps = user.typed = 0
        await one_report(user)
    return user


async def one_way(args: argparse.Namespace, concurrent_updates: int) -> None:
    """One run: a fresh emulator and `pingan run` handling `concurrent_updates` updates at once."""
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-bench-"))
    config = write_config(workdir, reports={"max_per_hour": 100},
                          telegram={"concurrent_updates": concurrent_updates})
    process = await spawn_pingan(config, emulator, TOKEN)
    steps = Steps()
    try:
        await emulator.wait_for(lambda: emulator.polling, timeout=60)
        with collector_held():  # this process is the instrument: its pauses are not the bot's
            started, bot_cpu, own_cpu = time.perf_counter(), cpu_seconds(process.pid), time.process_time()
            people = await asyncio.gather(*(resident(emulator, n, steps, args.think, args.reports)
                                            for n in range(args.residents)))
        elapsed = time.perf_counter() - started
        bot_cpu, own_cpu = cpu_seconds(process.pid) - bot_cpu, time.process_time() - own_cpu
    finally:
        await stop(process)
        await emulator.stop()
    latencies = steps.all_replies()
    way = "one at a time" if concurrent_updates == 1 else f"up to {concurrent_updates} at once"
    print(f"telegram.concurrent_updates {concurrent_updates} (updates handled {way}):")
    print(f"  one incident report: {people[0].taps} taps + {people[0].typed} typed answers; "
          f"{len(latencies)} steps timed in {elapsed:.0f} s ({len(latencies) / elapsed:.0f} a second)")
    print(f"  bot reply latency  {figures(latencies)}   (target p99 ≤ 50 ms)")
    print(f"  a press answered   {figures(steps.answers)}")
    slowest = sorted(steps.replies.items(), key=lambda item: -percentile(sorted(item[1]), 0.99))[:3]
    for step, step_latencies in slowest:
        print(f"    {step[:32]:32} {figures(step_latencies)}")
    print(f"  CPU: the bot {bot_cpu / elapsed:.0%} of a core ({bot_cpu / len(latencies) * 1000:.1f} ms a step), "
          f"the emulator and the residents {own_cpu / elapsed:.0%}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200, help="people filing a report at the same time")
    parser.add_argument("--reports", type=int, default=1, help="reports each of them files, one after the other")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds a person pauses before each step, on average (0.5–1.5 times this)")
    parser.add_argument("--concurrent-updates", type=int, nargs="+", default=[1, 32],
                        help="telegram.concurrent_updates of each run, in turn (1: one at a time, the old way)")
    args = parser.parse_args()
    print(machine_line(), flush=True)
    print(f"{args.residents} residents filing {args.reports} report(s) each at the same time, a pause of "
          f"{args.think * 0.5:.1f}–{args.think * 1.5:.1f} s before each step; `pingan run` in its own process")
    for concurrent_updates in args.concurrent_updates:
        await one_way(args, concurrent_updates)


if __name__ == "__main__":
    asyncio.run(main())
