"""How long the bot takes to answer each step of a full incident report, through the emulator.

Prints the number of taps and typed answers one report needs, and the bot's reply latency per
step (p50, p99, max) over many reports. The person's own reading and tapping time is not counted:
it is what the "under a minute of tapping" target leaves for them. Run:
    .venv/bin/python bench/intake.py [--reports 10] [--think 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from tests.flows import submit, walk_incident  # noqa: E402
from tests.harness import BotHarness, UserClient  # noqa: E402

TOKEN = "4243:bench-intake"


class TimedUser(UserClient):
    """A UserClient that records how long each reply took, and pauses like a person between steps."""

    latencies: list[float]
    think: float = 0.0
    taps: int = 0
    typed: int = 0
    _sent_at: float | None = None

    async def send(self, text=None, **kwargs):
        await asyncio.sleep(self.think)  # a benchmark, not a test: people take time to read and type
        self.typed += 1
        self._sent_at = time.perf_counter()
        return await super().send(text, **kwargs)

    async def reply(self, timeout=5.0):
        message = await super().reply(timeout)
        if self._sent_at is not None:  # the first reply to a typed answer
            self.latencies.append(time.perf_counter() - self._sent_at)
            self._sent_at = None
        return message

    async def click(self, message, text=None, data=None, timeout=5.0):
        await asyncio.sleep(self.think)
        self.taps += 1
        started = time.perf_counter()
        answer = await super().click(message, text=text, data=data, timeout=timeout)
        self.latencies.append(time.perf_counter() - started)
        return answer


async def one_report(user: TimedUser) -> tuple[int, int]:
    """Files one incident report the shortest way; returns the taps and typed answers it took."""
    await submit(user, await walk_incident(user, where_button="Skip this question"))
    return user.taps, user.typed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--think", type=float, default=0.5,
                        help="seconds a person pauses before each step (0: back-to-back, which meets the "
                             "bot's 30 requests/s pacing)")
    args = parser.parse_args()
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-bench-"))
    config = Settings(telegram={"token": TOKEN, "api_url": emulator.base_url},
                      storage={"path": str(workdir / "bench.db")}, reports={"max_per_hour": 100})
    harness = BotHarness(config, SystemClock())
    await harness.start()
    latencies: list[float] = []
    try:
        for n in range(args.reports):
            user_json = emulator.add_user(first_name=f"Resident {n}", language_code="en")
            emulator.add_private_chat(user_json["id"])
            user = TimedUser(emulator, user_json, user_json["id"])
            user.latencies = latencies
            user.think = args.think
            taps, typed = await one_report(user)
    finally:
        await harness.stop()
        await emulator.stop()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"one incident report: {taps} taps + {typed} typed answers; {args.reports} reports, "
          f"{len(latencies)} steps timed, {args.think:.1f} s pause before each step")
    print(f"  bot reply latency  p50 {statistics.median(latencies) * 1000:6.1f} ms   "
          f"p99 {p99 * 1000:6.1f} ms   max {latencies[-1] * 1000:6.1f} ms")
    print(f"  bot time per report {sum(latencies) / args.reports * 1000:6.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
