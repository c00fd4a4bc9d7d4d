"""How fast the figures are over a large station's history: 1,000,000 cases (three years, 50 areas,
every grade, status and outcome, follow-up visits) are written straight into a database migrated up
to the figures' rollup (executemany, indexes rebuilt after); the rollup migration then back-fills
its rollups (timed: what an upgrade of a station costs), and the cost the rollup's triggers add to
each later write is timed on 10,000 inserts and updates (rolled back). Then timed: /stats for a
month and a year, all areas and one area (the service call the command makes: the period, the one
before, a year before, open cases and the workload; target ≤ 100 ms each), each chart's data and
drawing (target ≤ 500 ms), and a full CSV export by `pingan export` in its own process, with its
peak RSS (target ≤ 100 MB). Prints the machine it ran on. Run:
    .venv/bin/python bench/stats.py [--cases 1000000] [--rounds 5] [--keep PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.config_reports import ReportSettings  # noqa: E402
from bot.config_stats import BriefingSettings  # noqa: E402
from bot.i18n import using_locale  # noqa: E402
from bot.services.stats import StatsService  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import apply_migrations, available_migrations  # noqa: E402
from storage.timefmt import to_db  # noqa: E402

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # a Monday noon in Shanghai
AREAS = [f"{name}{n}区" for n in range(1, 11) for name in ("幸福", "阳光", "翠湖", "金桂", "东门")]
OFFICERS = list(range(10_001, 10_201))
GRADE_LIMITS = {"red": (0.25, 24), "orange": (2, 72), "yellow": (24, 168), "green": (48, 360)}
INCIDENT_OUTCOMES = ["resolved"] * 8 + ["referred", "not_police"]
DISPUTE_OUTCOMES = ["mediated"] * 6 + ["mediation_failed"] * 3 + ["resolved"]
DONE = ("resolved", "followed_up", "closed")
#: The migration that adds the figures' rollups: the cases are written before it, then it back-fills.
ROLLUP_MIGRATION = "stats_rollup"


def machine() -> str:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?") if Path("/proc/meminfo").exists() else "?"
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else "?"
    return (f"{cpu}, {os.cpu_count()} CPUs, {int(memory) // 1024 if memory != '?' else '?'} MiB RAM, "
            f"{platform.platform()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def case_rows(count: int, rng: random.Random):
    """(case row, follow-up row or None, supervision row or None) in time order over the three years
    before NOW; about 2% of the accepted cases are supervised (督办) once or twice."""
    settings = ReportSettings()
    incidents = [c.id for c in settings.incident_categories]
    disputes = [k.id for k in settings.dispute_kinds]
    start = NOW - timedelta(days=3 * 365)
    span = (NOW - start).total_seconds()
    for n in range(count):
        created = start + timedelta(seconds=span * (n + rng.random()) / count)
        kind = "incident" if rng.random() < 0.7 else "dispute"
        category = rng.choice(incidents if kind == "incident" else disputes)
        grade = rng.choice(("red", "orange", "yellow", "yellow", "green", "green")) if rng.random() < 0.95 else None
        accept_limit, resolve_limit = GRADE_LIMITS[grade or "yellow"]
        age_days = (NOW - created).days
        roll = rng.random()
        if age_days > 30:
            status = "closed" if roll < 0.82 else "rejected" if roll < 0.90 else "withdrawn" if roll < 0.93 \
                else "followed_up" if roll < 0.998 else "reopened"  # a few reopened, still open
        else:
            status = ("new", "accepted", "in_progress", "resolved", "followed_up", "closed", "rejected")[
                min(6, int(roll * 7))]
        accepted = status not in ("new", "rejected", "withdrawn") or rng.random() < 0.3
        accepted_at = created + timedelta(hours=rng.lognormvariate(0, 1.2) * accept_limit / 3) if accepted else None
        resolved_at = outcome = None
        if status in DONE or status == "reopened":
            resolved_at = (accepted_at or created) + timedelta(hours=rng.lognormvariate(0, 1) * resolve_limit / 3)
            outcome = rng.choice(INCIDENT_OUTCOMES if kind == "incident" else DISPUTE_OUTCOMES)
        where = json.dumps({"where": {"latitude": 31.2 + rng.random() / 10, "longitude": 121.4 + rng.random() / 10}}) \
            if rng.random() < 0.3 else "{}"
        created_db = to_db(created)
        row = (f"PA-{created.year}-{n + 1:07d}", kind, category, status, grade, int(rng.random() < 0.03), 1, "zh",
               rng.choice(AREAS), "", where, created_db, to_db(resolved_at or accepted_at or created),
               rng.choice(OFFICERS) if accepted else None, rng.choice(("grid", "community", "township", None)),
               to_db(accepted_at) if accepted_at else None, to_db(created + timedelta(hours=accept_limit)),
               to_db(created + timedelta(hours=resolve_limit)), to_db(resolved_at) if resolved_at else None, outcome)
        followup = None
        if status in ("followed_up", "closed") and rng.random() < 0.8:
            no_response = rng.random() < 0.15
            followup = (n + 1, to_db(resolved_at + timedelta(days=3)),
                        None if no_response else int(rng.random() < 0.85),
                        None if no_response else rng.choice((3, 4, 4, 5, 5, 5, 2, 1)), int(no_response))
        supervisions = []
        if accepted and rng.random() < 0.02:
            supervisions = [(n + 1, OFFICERS[0], to_db(created + timedelta(hours=resolve_limit * (1 + k))),
                             "请尽快处理", to_db(created + timedelta(hours=resolve_limit * (0.5 + k))))
                            for k in range(rng.randint(1, 2))]
        yield row, followup, supervisions


async def migrate(path: Path, before_rollup: bool) -> float:
    """Applies the migrations before the rollup's, or all the rest; returns seconds."""
    migrations = available_migrations()
    cut = next(n for n, m in enumerate(migrations) if m.name == ROLLUP_MIGRATION)
    started = time.perf_counter()
    db = await Database.open(path)
    await apply_migrations(db, migrations[:cut] if before_rollup else migrations)
    await db.execute("ANALYZE")
    await db.close()
    return time.perf_counter() - started


def time_trigger_writes(path: Path, rng: random.Random, count: int = 10_000) -> None:
    """What the rollup's triggers cost each write: inserts of new cases, then updates of old ones
    (accepted, resolved, reopened), each set in one transaction, rolled back after."""
    conn = sqlite3.connect(path, isolation_level=None)
    rows = [row for row, _, _ in case_rows(count, rng)]
    top = conn.execute("SELECT max(id) FROM cases").fetchone()[0]
    for label, work in (
        ("insert", lambda: conn.executemany(
            f"""INSERT INTO cases (ref, kind, category, status, grade, emergency, complete, language, area,
                   description, details, created_at, updated_at, owner_id, level, accepted_at, accept_due,
                   resolve_due, resolved_at, outcome) VALUES ({", ".join("?" * 20)})""",
            [(f"BENCH-{n}", *row[1:]) for n, row in enumerate(rows)])),
        ("update", lambda: conn.executemany(
            "UPDATE cases SET status = ?, resolved_at = ?, outcome = ?, updated_at = ? WHERE id = ?",
            [(rng.choice(("resolved", "reopened", "closed")), to_db(NOW), "resolved", to_db(NOW),
              rng.randint(1, top)) for _ in range(count)])),
    ):
        conn.execute("BEGIN")
        started = time.perf_counter()
        work()
        per_write = (time.perf_counter() - started) / count * 1e6
        conn.execute("ROLLBACK")
        print(f"case {label} with the rollup's triggers  {per_write:6.0f} µs each ({count:,} in one transaction)")
    conn.close()


def fill(path: Path, count: int, rng: random.Random) -> float:
    """Writes the cases with executemany in large transactions; the indexes are dropped first and
    rebuilt after (the same schema, built faster than row by row). Returns seconds."""
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           "AND tbl_name IN ('cases', 'case_followups', 'case_supervisions')").fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    stamp = to_db(NOW)
    conn.executemany("INSERT INTO users (user_id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                     [(officer, f"民警{officer - 10_000}", stamp, stamp) for officer in OFFICERS])
    rows = case_rows(count, rng)
    while True:
        batch = [next(rows, None) for _ in range(50_000)]
        batch = [item for item in batch if item is not None]
        if not batch:
            break
        conn.execute("BEGIN")
        conn.executemany(
            f"""INSERT INTO cases (ref, kind, category, status, grade, emergency, complete, language, area,
                   description, details, created_at, updated_at, owner_id, level, accepted_at, accept_due,
                   resolve_due, resolved_at, outcome) VALUES ({", ".join("?" * 20)})""",
            [row for row, _, _ in batch])
        conn.executemany("INSERT INTO case_followups (case_id, asked_at, solved, stars, no_response) "
                         "VALUES (?, ?, ?, ?, ?)", [f for _, f, _ in batch if f is not None])
        conn.executemany("INSERT INTO case_supervisions (case_id, supervisor_id, due_at, note, created_at) "
                         "VALUES (?, ?, ?, ?, ?)", [s for _, _, many in batch for s in many])
        conn.execute("COMMIT")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


async def time_stats(path: Path, rounds: int) -> None:
    db = await Database.open(path)
    stats = StatsService(db, ManualClock(NOW), "Asia/Shanghai", BriefingSettings())
    area = (AREAS[7],)
    for label, key, areas in (("month, all areas", "month", None), ("month, one area", "month", area),
                              ("year, all areas", "last_year", None), ("year, one area", "last_year", area)):
        period = stats.period(key)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            await stats.report(period, areas, with_workload=True)
            times.append((time.perf_counter() - started) * 1000)
        print(f"/stats {label:<18} median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms  "
              f"(target ≤ 100 ms)")
    await time_charts(stats, rounds)
    await db.close()


async def time_charts(stats: StatsService, rounds: int) -> None:
    from bot import stats_charts
    from handlers.stats_labels import chart_texts

    period = stats.period("quarter")
    started = time.perf_counter()
    data = await stats.chart_data(period)
    print(f"chart data (a quarter, all areas)  {(time.perf_counter() - started) * 1000:7.1f} ms")
    with using_locale("zh"):
        texts = chart_texts(data, ReportSettings())
    stats_charts.to_png(stats_charts.cases_chart(data, texts))  # the first drawing loads the font
    for name, draw in (("cases per week", stats_charts.cases_chart), ("categories", stats_charts.categories_chart),
                       ("time to resolve", stats_charts.resolve_chart),
                       ("satisfaction", stats_charts.satisfaction_chart)):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            stats_charts.to_png(draw(data, texts))
            times.append((time.perf_counter() - started) * 1000)
        print(f"chart {name:<16} median {statistics.median(times):7.1f} ms  (target ≤ 500 ms)")


#: Runs `pingan export` and reports its peak RSS in kB: VmHWM, the high-water mark of this program's
#: own memory (getrusage's ru_maxrss would count the pages of the parent it was forked from).
EXPORT_CHILD = ("import re, sys; from bot.cli import main; code = main(sys.argv[1:]); "
                "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1], file=sys.stderr); "
                "sys.exit(code)")


def time_export(path: Path, workdir: Path) -> None:
    """`pingan export` in a process of its own, so its peak RSS is the export's alone."""
    config = workdir / "bench-config.yaml"
    config.write_text(f"storage:\n  path: {path}\ndefault_language: zh\n", encoding="utf-8")
    output = workdir / "cases.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", EXPORT_CHILD, "export", "--config", str(config), "--format", "csv",
                            "--output", str(output)], check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = int(child.stderr.split()[-1]) / 1024
    print(f"full CSV export     {seconds:7.1f} s, {output.stat().st_size / 2**20:.0f} MiB, "
          f"peak RSS {peak:.0f} MiB (target ≤ 100 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", metavar="PATH", help="reuse (or keep) the database at PATH")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(args.keep) if args.keep else Path(workdir) / "stats.db"
        if not path.exists():
            asyncio.run(migrate(path, before_rollup=True))
            seconds = fill(path, args.cases, random.Random(14))
            print(f"generated {args.cases:,} cases over 3 years and {len(AREAS)} areas in {seconds:.1f} s "
                  f"({path.stat().st_size / 2**20:.0f} MiB)")
            seconds = asyncio.run(migrate(path, before_rollup=False))
            print(f"rollup back-filled by its migration in {seconds:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
        time_trigger_writes(path, random.Random(15))
        print(f"data up to {NOW:%Y-%m-%d}; periods as of {date(2026, 11, 30)}")
        asyncio.run(time_stats(path, args.rounds))
        time_export(path, Path(workdir))


if __name__ == "__main__":
    main()
