"""How fast /find answers over a large station's cases: 100,000 cases with Chinese descriptions are
stored through the repositories and indexed, then typical searches are timed (the service call
the command makes: words and filters, one page and the total). Target: p99 ≤ 50 ms. Prints the
machine it ran on. Run:
    .venv/bin/python bench/find.py [--cases 100000] [--rounds 100]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.config_reports import ReportSettings  # noqa: E402
from bot.services.case_search import CaseSearch, parse_query  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import apply_migrations  # noqa: E402
from storage.models import Role  # noqa: E402
from storage.reports import CaseRepo  # noqa: E402

AREAS = ["幸福小区", "阳光花园", "翠湖苑", "金桂园", "东门新村", "南湖名都", "青年公寓", "老城东街"]
THINGS = ["电瓶车", "自行车", "手机", "快递", "钱包", "电动车电池", "监控摄像头", "外卖", "花盆", "车牌"]
EVENTS = ["在楼下被偷了", "晚上被人拿走", "不见了，怀疑被盗", "被人故意损坏", "放在门口丢了"]
EXTRAS = ["锁也被剪断", "邻居说看到一个穿黑衣服的人", "已经是这个月第二次了", "物业说监控坏了", "希望警察帮忙查一下",
          "楼道里经常有陌生人", "晚上十点左右发生的"]
SEARCHES = ["电瓶", "电瓶车", "监控 status:open", "黑衣服 area:幸福小区", "area:翠湖苑 status:open",
            "第二次 since:2026-06-01", "PA-2026-050000", "车牌 grade:red"]


def p99(sorted_times: list[float]) -> float:
    return sorted_times[max(0, int(len(sorted_times) * 0.99) - 1)]


def description(rng: random.Random) -> str:
    return f"我的{rng.choice(THINGS)}{rng.choice(EVENTS)}，{rng.choice(EXTRAS)}。"


async def fill(db: Database, cases: int, rng: random.Random) -> float:
    """Stores and indexes the cases (batches of 2,000 in one transaction each); returns seconds."""
    repo = CaseRepo(db)
    search = CaseSearch(db, ManualClock(), ReportSettings(), ZoneInfo("Asia/Shanghai"))
    start = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, cases, 2000):
        async with db.transaction():
            for n in range(first, min(cases, first + 2000)):
                case = await repo.create(
                    kind="incident", category=rng.choice(["theft", "suspicious", "other"]), language="zh",
                    origin_group_id=None, area=rng.choice(AREAS), description=description(rng), details={},
                    emergency=False, complete=True, grade=rng.choice([None, "red", "yellow", "green"]),
                    related_case_id=None, now=base + timedelta(minutes=5 * n))
                await search.reindex(case.id)
    return time.perf_counter() - start


async def run(cases: int, rounds: int) -> None:
    rng = random.Random(7)
    workdir = Path(tempfile.mkdtemp(prefix="pingan-find-"))
    db = await Database.open(workdir / "find.db")
    try:
        await apply_migrations(db)
        print(f"storing and indexing {cases:,} cases …", flush=True)
        seconds = await fill(db, cases, rng)
        size = sum(p.stat().st_size for p in workdir.iterdir()) / 2**20  # the database and its WAL
        print(f"  {seconds:.1f} s ({cases / seconds:,.0f} cases/s), database {size:.0f} MiB")
        search = CaseSearch(db, ManualClock(datetime(2026, 12, 1, tzinfo=UTC)), ReportSettings(),
                            ZoneInfo("Asia/Shanghai"))
        staff = frozenset({Role.OFFICER})
        timings: list[float] = []
        print(f"\n{'search':<30}{'matches':>9}{'p50 ms':>9}{'p99 ms':>9}")
        for text in SEARCHES:
            query = parse_query(text)
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                page = await search.find(1, staff, query)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            timings += times
            print(f"{text:<30}{page.total:>9,}{statistics.median(times):>9.2f}{p99(times):>9.2f}")
        timings.sort()
        print(f"\nall searches: p50 {statistics.median(timings):.2f} ms, p99 {p99(timings):.2f} ms "
              f"(target ≤ 50 ms), max {timings[-1]:.2f} ms")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"SQLite {sqlite3.sqlite_version}")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.cases, args.rounds))


if __name__ == "__main__":
    main()
