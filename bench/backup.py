"""Backup and restore of a large station's database, and the health endpoint's latency: 100,000
cases with Chinese descriptions (stored and indexed as bench/find.py does) are backed up with the
online backup API (integrity check included), restored into a fresh path (migrations checked),
and GET /healthz and GET /metrics are timed against that database. Prints the machine it ran on.
Run:
    .venv/bin/python bench/backup.py [--cases 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.find import fill, p99  # noqa: E402
from bot.backup import restore_database, take_backup  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.health import CASE_GAUGES_TTL, HealthCheck, HealthServer  # noqa: E402
from bot.metrics import Metrics  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import apply_migrations  # noqa: E402


async def time_endpoint(url: str, requests: int) -> list[float]:
    """Milliseconds per GET, one request after another, on one kept-alive connection."""
    times = []
    async with aiohttp.ClientSession() as http:
        for _ in range(requests):
            start = time.perf_counter()
            async with http.get(url) as response:
                await response.read()
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


async def run(cases: int, requests: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pingan-backup-"))
    database = workdir / "pingan.db"
    db = await Database.open(database)
    try:
        await apply_migrations(db)
        print(f"storing and indexing {cases:,} cases …", flush=True)
        await fill(db, cases, random.Random(7))

        report = await asyncio.to_thread(take_backup, database, workdir / "backups" / "pingan-bench.db")
        print(f"backup: {report.seconds:.2f} s for {report.facts.counts['cases']:,} cases, "
              f"{report.facts.size_bytes / 2**20:.1f} MiB (online backup API + integrity check)")

        started = time.perf_counter()
        fresh = workdir / "fresh" / "pingan.db"
        restored = await asyncio.to_thread(restore_database, fresh, report.path, datetime.now(UTC))
        print(f"restore into a fresh path: {time.perf_counter() - started:.2f} s "
              f"({restored.source.counts['cases']:,} cases, schema version {restored.source.schema_version})")

        metrics = Metrics()
        metrics.last_poll_at = time.monotonic()
        check = HealthCheck(db, ManualClock(datetime(2026, 12, 1, tzinfo=UTC)), metrics, poll_timeout=10)
        server = HealthServer(check, metrics, "127.0.0.1", 0)
        await server.start()
        try:
            for path in ("/healthz", "/metrics"):
                times = await time_endpoint(f"http://127.0.0.1:{server.port}{path}", requests)
                print(f"GET {path}: p50 {statistics.median(times):.2f} ms, p99 {p99(times):.2f} ms, "
                      f"max {times[-1]:.2f} ms over {requests} requests")
            check._case_gauges_read_at = None  # noqa: SLF001 - time the full read, as after the TTL
            started = time.perf_counter()
            await check.refresh_gauges()
            print(f"reading the case gauges ({cases:,} open cases, every {CASE_GAUGES_TTL:.0f} s at most): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
        finally:
            await server.stop()
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"SQLite {sqlite3.sqlite_version}")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.cases, args.requests))


if __name__ == "__main__":
    main()
