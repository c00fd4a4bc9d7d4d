"""CPU per Bot API call through python-telegram-bot's default client (httpx) and through the
bot's own (aiohttp, bot/transport.py), in the same run.

A `Bot` sends messages to a canned Bot API in a child process (so that only the client's CPU is
counted), one at a time and `--at-once` side by side, in turns, `--rounds` times; prints the
machine and each client's median CPU per call. Run:
    .venv/bin/python bench/transport.py [--calls 1500] [--at-once 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import machine_line  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.transport import AiohttpRequest  # noqa: E402

#: A Bot API that answers every call with the same message, as fast as aiohttp can.
CANNED_API = """
import sys
from aiohttp import web
MESSAGE = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"hello"}}'
ME = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Bench","username":"bench_bot"}}'
async def answer(request):
    await request.read()
    body = ME if request.path.endswith("/getMe") else MESSAGE
    return web.Response(body=body, content_type="application/json")
app = web.Application()
app.router.add_post("/{path:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def per_call(base_url: str, request, calls: int, at_once: int) -> float:
    """CPU milliseconds per sendMessage, `at_once` calls in flight at a time."""
    bot = Bot("1:bench", base_url=base_url, request=request)
    async with bot:
        for _ in range(50):  # warm-up: connections, first imports
            await bot.send_message(1, "hello")
        started = cpu_seconds()
        for _ in range(calls // at_once):
            await asyncio.gather(*(bot.send_message(1, "hello") for _ in range(at_once)))
        return (cpu_seconds() - started) / (calls // at_once * at_once) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--at-once", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(machine_line(), flush=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", CANNED_API, str(port)])
    base_url = f"http://127.0.0.1:{port}/bot"
    try:
        time.sleep(1.5)  # the child's start-up
        figures: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.rounds):
            for at_once in (1, args.at_once):
                for name, request in (("httpx (the library's default)", HTTPXRequest),
                                      ("aiohttp (bot/transport.py)", AiohttpRequest)):
                    figures.setdefault((name, at_once), []).append(
                        await per_call(base_url, request(connection_pool_size=256), args.calls, at_once))
    finally:
        server.terminate()
    print(f"{args.calls} sendMessage calls per client, way and round; median of {args.rounds} rounds, in turns")
    for at_once in (1, args.at_once):
        httpx_ms = statistics.median(figures[("httpx (the library's default)", at_once)])
        for name in ("httpx (the library's default)", "aiohttp (bot/transport.py)"):
            median = statistics.median(figures[(name, at_once)])
            print(f"  {at_once:3} at a time, {name:30} {median:6.3f} ms CPU per call  "
                  f"(ratio to httpx {median / httpx_ms:4.2f})")


if __name__ == "__main__":
    asyncio.run(main())
