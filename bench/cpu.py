"""The bot's CPU per handled update, against a bare python-telegram-bot echo bot on the same
emulator in the same run.

Each bot runs in its own process, in turns, `--rounds` times each: `pingan run`, and
bench/echo_bot.py twice, with the library's defaults and on Pingan's aiohttp client (what Pingan's
handling adds apart from the client). `--wave` residents write at once, `--updates` messages per
text: the echo bot gets "hello"; Pingan gets "hello" (a text outside any dialogue, answered with
the offer to report it or check it for a scam) and /help (a command with a long answer). The same
residents write each time, as most people the bot hears from are known to it. Each bot's user +
system CPU time across them is read from the kernel, less what the process uses idling over the
same time (its long poll and timers). Prints the machine, each bot's median CPU per update, and
its ratios to the bare echo bot (target ≤ 1.3) and to the echo on Pingan's client, for Pingan
handling up to 32 updates at once (the default) and one at a time. Run:
    .venv/bin/python bench/cpu.py [--updates 600] [--wave 50] [--rounds 3] [--concurrent-updates 32 1]
                                  [--profile FILE]

`--profile FILE` runs Pingan once more under cProfile, start-up included (not counted), and writes
the stats to FILE (`python -m pstats FILE`); `py-spy record --pid …` on a running bot shows the
steady state alone.
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
sys.path.insert(0, str(ROOT / "bench"))

from botprocess import cpu_seconds, spawn, spawn_pingan, stop, write_config  # noqa: E402
from machine import machine_line  # noqa: E402

from bot.emulator import Emulator  # noqa: E402

TOKEN = "4246:bench-cpu"
IDLE_SECONDS = 2.0
#: A text outside any dialogue (a short answer, as the echo's) and a command with a long answer.
PINGAN_TEXTS = ["hello", "/help"]


def residents(emulator: Emulator, count: int) -> list[int]:
    """That many people with a private chat with the bot."""
    users = []
    for _ in range(count):
        user = emulator.add_user(first_name="Resident", language_code="en")
        emulator.add_private_chat(user["id"])
        users.append(user["id"])
    return users


async def wave(emulator: Emulator, users: list[int], text: str) -> None:
    """Everyone in `users` writes `text` at once; returns when each has had an answer."""
    seen = {u: len(emulator.bot_messages(u)) for u in users}
    for user_id in users:
        emulator.user_sends(user_id, user_id, text)
    await emulator.wait_for(lambda: all(len(emulator.bot_messages(u)) > seen[u] for u in users), timeout=120)


async def measure(process, emulator: Emulator, args, texts: list[str]) -> list[tuple[float, float]]:
    """For each of `texts`: CPU seconds per update (idle use taken off) and the idle use per second,
    for a running bot. The same residents write every time (people the bot knows, as most are)."""
    await emulator.wait_for(lambda: emulator.polling, timeout=60)
    users = residents(emulator, args.wave)
    for text in texts:  # warm-up: first contact, first imports, caches, the database's pages
        await wave(emulator, users, text)
    idle_from, idle_cpu = time.monotonic(), cpu_seconds(process.pid)
    await asyncio.sleep(IDLE_SECONDS)  # a benchmark, not a test: the idle rate is what it measures
    idle_rate = (cpu_seconds(process.pid) - idle_cpu) / (time.monotonic() - idle_from)
    results = []
    waves = max(1, args.updates // args.wave)
    for text in texts:
        started, cpu_before = time.monotonic(), cpu_seconds(process.pid)
        for _ in range(waves):
            await wave(emulator, users, text)
        used = cpu_seconds(process.pid) - cpu_before - idle_rate * (time.monotonic() - started)
        results.append((used / (waves * args.wave), idle_rate))
    return results


async def pingan_round(emulator: Emulator, args, concurrent_updates: int,
                       profile: Path | None = None) -> list[tuple[float, float]]:
    workdir = Path(tempfile.mkdtemp(prefix="pingan-cpu-"))
    config = write_config(workdir, telegram={"concurrent_updates": concurrent_updates})
    if profile is None:
        process = await spawn_pingan(config, emulator, TOKEN)
    else:
        process = await spawn(["-m", "cProfile", "-o", str(profile), "-m", "bot.cli", "run", "--config",
                               str(config)], emulator, workdir, TOKEN)
    try:
        return await measure(process, emulator, args, PINGAN_TEXTS)
    finally:
        await stop(process)


async def echo_round(emulator: Emulator, args, *flags: str) -> tuple[float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="echo-cpu-"))
    process = await spawn([str(ROOT / "bench" / "echo_bot.py"), *flags], emulator, workdir, TOKEN)
    try:
        return (await measure(process, emulator, args, ["hello"]))[0]
    finally:
        await stop(process)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--wave", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrent-updates", type=int, nargs="+", default=[32, 1],
                        help="telegram.concurrent_updates of Pingan's runs, each in every round (1: one at a time)")
    parser.add_argument("--profile", type=Path, help="also run Pingan once under cProfile, stats to this file")
    args = parser.parse_args()
    print(machine_line(), flush=True)
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    ours: dict[int, list] = {n: [] for n in args.concurrent_updates}
    bare, bare_aiohttp = [], []
    try:
        for _ in range(args.rounds):
            bare.append(await echo_round(emulator, args))
            bare_aiohttp.append(await echo_round(emulator, args, "--aiohttp"))
            for n in args.concurrent_updates:
                ours[n].append(await pingan_round(emulator, args, n))
        if args.profile:
            await pingan_round(emulator, args, args.concurrent_updates[0], args.profile)
    finally:
        await emulator.stop()
    lines = [("bare python-telegram-bot echo", bare), ("the echo on Pingan's aiohttp client", bare_aiohttp)]
    lines += [(f"Pingan ({n} at once), {text!r}", [r[i] for r in ours[n]])
              for n in args.concurrent_updates for i, text in enumerate(PINGAN_TEXTS)]
    print(f"{args.updates} updates per bot, text and round, {args.wave} residents writing at once; "
          f"median of {args.rounds} rounds, taking turns")
    baseline = statistics.median(r[0] for r in bare)
    same_client = statistics.median(r[0] for r in bare_aiohttp)
    for label, rounds in lines:
        median = statistics.median(r[0] for r in rounds)
        spread = ", ".join(f"{r[0] * 1000:.2f}" for r in rounds)
        print(f"  {label:36} {median * 1000:6.2f} ms CPU per update, ratio {median / baseline:4.2f} "
              f"(to the echo on the same client {median / same_client:4.2f})   "
              f"(rounds: {spread}; idle {statistics.median(r[1] for r in rounds) * 1000:.1f} ms/s)")
    print("  target: ratio ≤ 1.3")


if __name__ == "__main__":
    asyncio.run(main())
