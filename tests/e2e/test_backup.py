"""Backups while the bot runs, restores into a fresh deployment, and the files a restore refuses."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.backup import take_backup
from bot.config import Settings
from bot.jobs import BACKUP_JOB
from storage.backup import inspect_database
from storage.db import Database
from storage.migrate import apply_migrations, available_migrations
from tests.e2e.test_process import ROOT, clean_env
from tests.flows import submit, walk_incident
from tests.harness import TOKEN, BotHarness, button_texts

LATEST = available_migrations()[-1].version


async def pingan_cli(*args: str, env: dict[str, str], cwd) -> tuple[int, str, str]:
    """Runs `pingan …` as an operator would, in its own process."""
    process = await asyncio.create_subprocess_exec(
        __import__("sys").executable, "-m", "bot.cli", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, stdout.decode(), stderr.decode()


def cli_env(config: Settings, **extra: str) -> dict[str, str]:
    return clean_env(PINGAN_TELEGRAM__TOKEN=TOKEN, PINGAN_TELEGRAM__API_URL=config.telegram.api_url,
                     PINGAN_STORAGE__PATH=str(config.storage.path), **extra)


def case_refs(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in conn.execute("SELECT ref FROM cases"))
    finally:
        conn.close()


async def test_backup_during_a_burst_of_reports_loses_none(pingan, make_user, staff_chat, tmp_path):
    residents = [make_user(f"Resident {n}", language_code="en") for n in range(8)]
    database = pingan.config.storage.path

    async def report(resident) -> str:
        return await submit(resident, await walk_incident(resident))

    async def reports() -> list[str]:
        return list(await asyncio.gather(*(report(r) for r in residents)))

    sending = asyncio.create_task(reports())
    copies = []
    while not sending.done():
        copies.append(await asyncio.to_thread(take_backup, database, tmp_path / f"copy-{len(copies)}.db"))
    refs = await sending
    copies.append(await asyncio.to_thread(take_backup, database, tmp_path / "final.db"))

    assert len(refs) == len(set(refs)) == 8
    assert len(copies) >= 2
    counts = []
    for copy in copies:
        assert copy.facts.intact and copy.facts.schema_version == LATEST
        conn = sqlite3.connect(copy.path)
        # Each copy is of one moment: no case without its reporter, whatever was being written.
        assert conn.execute("SELECT count(*) FROM cases c WHERE NOT EXISTS "
                            "(SELECT 1 FROM case_reporters r WHERE r.case_id = c.id)").fetchone()[0] == 0
        counts.append(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        conn.close()
    assert counts == sorted(counts)
    assert case_refs(copies[-1].path) == sorted(refs) == case_refs(database)


async def test_restore_into_a_fresh_deployment_shows_the_same_cases(pingan, make_user, staff_chat, config,
                                                                     clock, tmp_path):
    resident = make_user("Alice", language_code="en")
    refs = [await submit(resident, await walk_incident(resident)),
            await submit(resident, await walk_incident(resident, phone="138 0013 8000"))]
    backup_file = tmp_path / "nightly.db"
    code, out, err = await pingan_cli("backup", "--config", str(ROOT / "config.yaml"), str(backup_file),
                                      env=cli_env(config), cwd=tmp_path)
    assert code == 0, err
    assert f"to {backup_file}" in out and "integrity ok" in out and "cases: 2" in out
    await pingan.stop()  # the old server is gone

    fresh = config.model_copy(update={"storage": config.storage.model_copy(
        update={"path": tmp_path / "fresh" / "pingan.db"})})
    code, out, err = await pingan_cli("restore", "--config", str(ROOT / "config.yaml"), str(backup_file),
                                      env=cli_env(fresh), cwd=tmp_path)
    assert code == 0, err
    assert f"Restored {fresh.storage.path} from {backup_file}" in out and "cases: 2" in out
    restored = BotHarness(fresh, clock)
    await restored.start()
    try:
        listing = await resident.ask("/myreports")
        assert sorted(text.split(" · ")[0] for text in button_texts(listing)) == sorted(refs)
    finally:
        await restored.stop()


async def test_restore_refuses_while_the_bot_runs(pingan, config, tmp_path):
    backup_file = tmp_path / "copy.db"
    take_backup(config.storage.path, backup_file)
    code, _out, err = await pingan_cli("restore", "--config", str(ROOT / "config.yaml"), str(backup_file),
                                       env=cli_env(config), cwd=tmp_path)
    assert code == 1
    assert "refused" in err and "Pingan is running on this database" in err and "Traceback" not in err


async def test_restore_refuses_a_corrupt_or_foreign_file_and_changes_nothing(config, tmp_path):
    db = await Database.open(config.storage.path)
    await apply_migrations(db)
    await db.close()
    before = config.storage.path.read_bytes()
    damaged = tmp_path / "damaged.db"
    take_backup(config.storage.path, damaged)
    pages = bytearray(damaged.read_bytes())
    pages[8192:16384] = b"\x13" * 8192  # two pages in the middle of the tables overwritten
    damaged.write_bytes(bytes(pages))
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("these are not the cases you are looking for\n" * 100)
    empty_sqlite = tmp_path / "other.db"
    sqlite3.connect(empty_sqlite).execute("CREATE TABLE t (x)").connection.close()
    for bad, reason in [(damaged, "is damaged"), (not_sqlite, "not an SQLite database"),
                        (empty_sqlite, "not a Pingan database"), (tmp_path / "missing.db", "no such file")]:
        code, _out, err = await pingan_cli("restore", "--config", str(ROOT / "config.yaml"), str(bad),
                                           env=cli_env(config), cwd=tmp_path)
        assert code == 1, bad
        assert reason in err and "Traceback" not in err, (bad, err)
    assert config.storage.path.read_bytes() == before
    assert not list(config.storage.path.parent.glob("*.replaced-*"))


async def test_restore_migrates_an_older_backup_and_keeps_the_replaced_database(config, tmp_path):
    old = tmp_path / "old.db"
    db = await Database.open(old)
    await apply_migrations(db, available_migrations()[:-1])
    await db.close()
    current = await Database.open(config.storage.path)
    await apply_migrations(current)
    await current.close()
    code, out, err = await pingan_cli("restore", "--config", str(ROOT / "config.yaml"), str(old),
                                      env=cli_env(config), cwd=tmp_path)
    assert code == 0, err
    assert f"schema version {LATEST - 1}, migrated to {LATEST}" in out
    (kept,) = config.storage.path.parent.glob("pingan.db.replaced-*")
    assert f"kept at {kept}" in out
    assert inspect_database(kept).schema_version == LATEST
    assert inspect_database(config.storage.path).schema_version == LATEST


async def test_restore_refuses_a_backup_from_a_newer_pingan(config, tmp_path):
    newer = tmp_path / "newer.db"
    db = await Database.open(newer)
    await apply_migrations(db)
    await db.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', '2030-01-01')",
                     (LATEST + 1,))
    await db.close()
    code, _out, err = await pingan_cli("restore", "--config", str(ROOT / "config.yaml"), str(newer),
                                       env=cli_env(config), cwd=tmp_path)
    assert code == 1 and "upgrade Pingan first" in err


async def test_the_scheduled_backup_is_taken_once_per_occurrence_and_rotated(pingan, clock):
    app = pingan.bot.application
    folder = pingan.config.backup.folder(pingan.config.storage.path)
    job = app.job_queue.get_jobs_by_name(BACKUP_JOB)[0]
    days = []
    for day in range(16):
        clock.set(datetime(2026, 3, 3, 19, 31, tzinfo=UTC) + timedelta(days=day))  # 03:31 in Shanghai
        await job.run(app)
        await job.run(app)  # the same occurrence again: claimed already, nothing taken
        days.append(sorted(folder.glob("pingan-*.db")))
    assert [len(files) for files in days] == [min(n + 1, 14) for n in range(16)]
    assert days[-1][0].name == "pingan-20260305-193100.db"  # the two oldest rotated away
    assert all(inspect_database(path).intact for path in days[-1])


async def test_a_backup_is_taken_before_migrations_at_start(config, clock, emulator):
    db = await Database.open(config.storage.path)
    await apply_migrations(db, available_migrations()[:-1])
    await db.close()
    harness = BotHarness(config, clock)
    await harness.start()
    try:
        folder = config.backup.folder(config.storage.path)
        (before,) = folder.glob(f"pingan-v{LATEST - 1:04d}-before-migration-*.db")
        assert inspect_database(before).schema_version == LATEST - 1
        assert inspect_database(config.storage.path).schema_version == LATEST
    finally:
        await harness.stop()


async def test_migrate_dry_run_lists_the_pending_migrations(config, tmp_path):
    db = await Database.open(config.storage.path)
    await apply_migrations(db, available_migrations()[:-2])
    await db.close()
    code, out, _err = await pingan_cli("migrate", "--config", str(ROOT / "config.yaml"), "--dry-run",
                                       env=cli_env(config), cwd=tmp_path)
    pending = available_migrations()[-2:]
    assert code == 0
    assert f"schema version {LATEST - 2}; 2 pending migration(s):" in out
    assert all(f"{m.version:04d}_{m.name}" in out for m in pending)
    assert inspect_database(config.storage.path).schema_version == LATEST - 2


async def test_migrate_dry_run_creates_no_database(config, tmp_path):
    code, out, _err = await pingan_cli("migrate", "--config", str(ROOT / "config.yaml"), "--dry-run",
                                       env=cli_env(config), cwd=tmp_path)
    assert code == 0 and f"schema version 0; {LATEST} pending migration(s):" in out
    assert not config.storage.path.exists()
