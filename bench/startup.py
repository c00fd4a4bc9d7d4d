"""Start-up and idle figures for `pingan run`, measured against the local emulator.

Prints the machine, then: time from process spawn to the first getUpdates call (target ≤ 1.5 s),
time to the first reply to /start, resident memory (RSS) after idling (target ≤ 80 MB, the issue's
unit: 76.3 MiB; printed in both), and time to stop on SIGTERM. The bot runs as installed: built
once into a temporary folder by setup.py (so with its catalogues compiled), or with `--source`
from the source tree (the catalogues compiled in memory at start). Run:
    .venv/bin/python bench/startup.py [--runs 5] [--idle 5] [--source]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from botprocess import rss_mib  # noqa: E402
from machine import machine_line  # noqa: E402

from bot.emulator import Emulator  # noqa: E402

TOKEN = "4242:bench-token"
MIB = 1024 * 1024


def built_package() -> Path:
    """The bot's packages as an install lays them out (setup.py's build, catalogues compiled)."""
    target = Path(tempfile.mkdtemp(prefix="pingan-built-"))
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(target)], cwd=ROOT,
                   check=True, capture_output=True)
    return target


async def one_run(idle_seconds: float, package: Path) -> dict[str, float]:
    emulator = Emulator(token=TOKEN, bot_username="pingan_bench_bot", bot_name="Pingan")
    await emulator.start(host="127.0.0.1", port=0)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    env.update(PYTHONPATH=str(package), PINGAN_TELEGRAM__TOKEN=TOKEN, PINGAN_TELEGRAM__API_URL=emulator.base_url,
               PINGAN_STORAGE__PATH=str(workdir / "bench.db"), PINGAN_LOGGING__LEVEL="WARNING")
    try:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(ROOT / "config.yaml"),
            env=env, cwd=workdir, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await emulator.wait_for(lambda: emulator.polling or emulator.calls_to("getUpdates"), timeout=60)
        to_polling = time.monotonic() - started
        user = emulator.add_user(first_name="Bench", language_code="en")
        sent = time.monotonic()
        emulator.user_sends(user["id"], user["id"], "/start")
        await emulator.wait_for(lambda: emulator.bot_messages(user["id"]), timeout=30)
        first_reply = time.monotonic() - sent
        await asyncio.sleep(idle_seconds)  # a benchmark, not a test: idling is the point
        memory = rss_mib(process.pid)
        stop_started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)
        to_stop = time.monotonic() - stop_started
    finally:
        await emulator.stop()
    return {"to_first_getupdates_s": to_polling, "first_reply_s": first_reply, "idle_rss_mib": memory,
            "idle_rss_mb": memory * MIB / 1_000_000, "stop_s": to_stop}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idling before reading RSS")
    parser.add_argument("--source", action="store_true", help="run from the source tree, not as built")
    args = parser.parse_args()
    print(machine_line(), flush=True)
    package = ROOT if args.source else built_package()
    results = [await one_run(args.idle, package) for _ in range(args.runs)]
    way = "from the source tree" if args.source else "as built by setup.py"
    print(f"pingan run {way}, {args.runs} runs (median, min–max); targets: first getUpdates ≤ 1.5 s, "
          f"idle RSS ≤ 80 MB (= {80_000_000 / MIB:.1f} MiB)")
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"  {key:24s} {statistics.median(values):8.3f}   ({min(values):.3f}–{max(values):.3f})")


if __name__ == "__main__":
    asyncio.run(main())
