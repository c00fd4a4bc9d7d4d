"""The `pingan` process as an operator runs it: start, poll, stop on a signal; sandbox fallback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.harness import TOKEN

pytestmark = pytest.mark.slow  # each test runs `pingan` as its own process

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    # The checkout's code, whether or not the package is installed in this interpreter.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


async def spawn(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    # The DEBUG log of a start-up is a few hundred kilobytes: a reader with asyncio's default 64 KiB
    # limit stops reading at twice that, the pipe fills and the process blocks on its next log line.
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=2**24,
    )


async def stop_with(process: asyncio.subprocess.Process, signum: int) -> tuple[float, bytes, bytes]:
    started = time.monotonic()
    process.send_signal(signum)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    return time.monotonic() - started, stdout, stderr


async def test_run_polls_and_stops_cleanly_on_sigterm(emulator, tmp_path):
    env = clean_env(
        PINGAN_TELEGRAM__TOKEN=TOKEN,
        PINGAN_TELEGRAM__API_URL=emulator.base_url,
        PINGAN_STORAGE__PATH=str(tmp_path / "run.db"),
        PINGAN_LOGGING__LEVEL="DEBUG",
    )
    process = await spawn("run", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    await emulator.wait_for(lambda: emulator.polling or emulator.calls_to("getUpdates"), timeout=30)
    user = emulator.add_user(first_name="Alice", language_code="en")
    emulator.user_sends(user["id"], user["id"], "/start")
    await emulator.wait_for(lambda: emulator.bot_messages(user["id"]), timeout=10)
    elapsed, stdout, stderr = await stop_with(process, signal.SIGTERM)
    assert process.returncode == 0, stderr.decode()
    assert elapsed < 10
    logs = (stdout + stderr).decode()
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "Traceback" not in logs


async def test_run_without_token_starts_the_sandbox(tmp_path):
    port = free_port()
    env = clean_env(PINGAN_SANDBOX__PORT=str(port), PINGAN_SANDBOX__STORAGE_PATH=str(tmp_path / "sb.db"))
    process = await spawn("run", "--config", str(ROOT / "config.yaml"), env=env, cwd=tmp_path)
    first = await asyncio.wait_for(process.stdout.readline(), timeout=30)
    assert first.decode().startswith("No Telegram token configured")
    second = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
    assert f"http://127.0.0.1:{port}/" in second
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/control/world") as response:
            world = await response.json()
    assert {p["key"] for p in world["result"]["personas"]} == {"resident", "neighbour", "steward", "mediator",
                                                              "officer", "supervisor", "admin"}
    assert world["result"]["demo_clock"]["actions"]  # the demo clock is on the sandbox's page
    elapsed, _stdout, stderr = await stop_with(process, signal.SIGINT)
    assert process.returncode == 0, stderr.decode()
    assert elapsed < 10


async def test_bad_config_exits_1_without_traceback(tmp_path):
    (tmp_path / "config.yaml").write_text("timezone: Mars/Base\n")
    process = await spawn("run", env=clean_env(), cwd=tmp_path)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 1
    assert "timezone: unknown time zone 'Mars/Base'" in stderr.decode()
    assert "Traceback" not in (stdout + stderr).decode()
