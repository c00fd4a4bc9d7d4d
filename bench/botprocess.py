"""A bot in its own process against the bench's emulator, as in production, and what the kernel
says it used (CPU seconds, resident memory)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import yaml

from bot.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def write_config(workdir: Path, **sections) -> Path:
    """A config file holding the database in `workdir`, INFO logs (production's level) and `sections`."""
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump({"storage": {"path": str(workdir / "bench.db")},
                                    "logging": {"level": "INFO"}, **sections}, allow_unicode=True),
                    encoding="utf-8")
    return path


async def spawn(argv: list[str], emulator: Emulator, workdir: Path, token: str) -> asyncio.subprocess.Process:
    """Runs `argv` (a Python module or script and its arguments) with the bot's token and the
    emulator's address in its environment; its log goes to workdir/bot.log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    env.update(PYTHONPATH=str(ROOT), PINGAN_TELEGRAM__TOKEN=token, PINGAN_TELEGRAM__API_URL=emulator.base_url)
    return await asyncio.create_subprocess_exec(
        sys.executable, *argv, env=env, cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL, stderr=open(workdir / "bot.log", "ab"))


async def spawn_pingan(config_path: Path, emulator: Emulator, token: str) -> asyncio.subprocess.Process:
    """`pingan run --config …`, started the way the installed command starts it."""
    return await spawn(["-m", "bot.cli", "run", "--config", str(config_path)], emulator, config_path.parent, token)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15 of stat)


def rss_mib(pid: int) -> float:
    """The process's resident memory now, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, as systemd stops it, and wait for it to end."""
    if process.returncode is None:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
