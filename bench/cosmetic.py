"""Whether a hanging cosmetic call holds residents up: the removal of the previous question's
buttons hangs past the client's read timeout while a resident answers and another sends /help.

One resident's updates are handled in order, so whatever his step waits for, his next one waits
for (with `telegram.concurrent_updates` 1, everyone's does). The step
now waits for the button removal at most `handlers.dialogue.STRIP_WAIT_SECONDS` and lets it finish
in the background; the "waited" rows are the old way (the step awaits the edit until it ends), in
the same run. Prints the machine, then per way the latency of the answering resident's next
question and of the other resident's reply (p50, max). Run:
    .venv/bin/python bench/cosmetic.py [--trials 5] [--hang 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import handlers.dialogue  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from tests.flows import start_incident  # noqa: E402
from tests.harness import BotHarness, UserClient  # noqa: E402

TOKEN = "4244:bench-cosmetic"


def _resident(emulator: Emulator, name: str) -> UserClient:
    user = emulator.add_user(first_name=name, language_code="en")
    emulator.add_private_chat(user["id"])
    return UserClient(emulator, user, user["id"])


async def _trial(emulator: Emulator, n: int, hang: float) -> tuple[float, float]:
    """One answer whose button removal hangs, and a neighbour's /help sent just after it."""
    answering, neighbour = _resident(emulator, f"Answering {n}"), _resident(emulator, f"Neighbour {n}")
    await start_incident(answering)
    emulator.delays.delay_next("editMessageReplyMarkup", hang, chat_id=answering.chat_id)
    started = time.perf_counter()
    await answering.send("My e-bike battery was taken from the shed last night.")
    await neighbour.send("/help")

    async def timed(client: UserClient) -> float:
        await client.reply(timeout=hang + 10)
        return time.perf_counter() - started

    return tuple(await asyncio.gather(timed(answering), timed(neighbour)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--hang", type=float, default=6.0, help="seconds the button removal hangs")
    args = parser.parse_args()
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-bench-"))
    config = Settings(telegram={"token": TOKEN, "api_url": emulator.base_url},
                      storage={"path": str(workdir / "bench.db")}, reports={"max_per_hour": 100})
    harness = BotHarness(config, SystemClock())
    await harness.start()
    bounded = handlers.dialogue.STRIP_WAIT_SECONDS
    results: dict[str, list[tuple[float, float]]] = {}
    try:
        for way, wait in (("bounded", bounded), ("waited", None)):
            handlers.dialogue.STRIP_WAIT_SECONDS = wait  # None: asyncio.wait waits for the edit to end
            results[way] = [await _trial(emulator, n, args.hang) for n in range(args.trials)]
    finally:
        handlers.dialogue.STRIP_WAIT_SECONDS = bounded
        await harness.stop()
        await emulator.stop()
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"button removal hangs {args.hang:.0f} s (client read timeout 5 s), {args.trials} trials")
    for way, timings in results.items():
        own, other = [t[0] for t in timings], [t[1] for t in timings]
        label = f"bounded ({bounded:.1f} s)" if way == "bounded" else "waited (before)"
        print(f"  {label:16}  next question p50 {statistics.median(own):5.2f} s  max {max(own):5.2f} s   "
              f"neighbour's reply p50 {statistics.median(other):5.2f} s  max {max(other):5.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
