"""Backups and restores of the database file, as `pingan backup`, `pingan restore`, the scheduled
backup and the backup before migrations use them."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.run_lock import AlreadyLocked, RunLock
from storage.backup import DatabaseFacts, NotADatabase, checkpoint, copy_database, in_use, inspect_database
from storage.migrate import available_migrations


class BackupFailed(Exception):
    """The copy was made but does not pass SQLite's integrity check (it is removed)."""


class RestoreRefused(Exception):
    """The restore was not done; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    facts: DatabaseFacts
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    database: Path
    source: DatabaseFacts
    replaced_kept_at: Path | None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d-%H%M%S")


def _rotated_name(database: Path) -> re.Pattern[str]:
    """Names of the rotated backups of `database`: `<stem>-YYYYMMDD-HHMMSS.db`."""
    return re.compile(rf"^{re.escape(database.stem)}-\d{{8}}-\d{{6}}\.db$")


def take_backup(database: Path, target: Path) -> BackupReport:
    """Copies the live database to `target` with the online backup API, then checks the copy."""
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_database(database, target)
    facts = inspect_database(target)
    if not facts.intact:
        target.unlink(missing_ok=True)
        raise BackupFailed(f"{target}: the copy failed the integrity check: {'; '.join(facts.integrity[:5])}")
    return BackupReport(path=target, facts=facts, seconds=time.perf_counter() - started)


def timestamped_backup(database: Path, folder: Path, now: datetime) -> BackupReport:
    """A backup in `folder` named after the time (UTC), as the rotation counts them."""
    return take_backup(database, folder / f"{database.stem}-{_stamp(now)}.db")


def rotate_backups(database: Path, folder: Path, keep: int) -> list[Path]:
    """Deletes the oldest rotated backups beyond `keep`; returns those deleted."""
    if not folder.is_dir():
        return []
    pattern = _rotated_name(database)
    backups = sorted(p for p in folder.iterdir() if pattern.match(p.name))  # the names sort by time
    doomed = backups[:-keep] if len(backups) > keep else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def backup_before_migrations(database: Path, folder: Path, version: int, now: datetime) -> BackupReport | None:
    """A backup kept outside the rotation, taken before migrations change an existing database."""
    latest = available_migrations()[-1].version
    if version == 0 or version >= latest or not database.is_file():
        return None
    return take_backup(database, folder / f"{database.stem}-v{version:04d}-before-migration-{_stamp(now)}.db")


def restore_database(database: Path, source: Path, now: datetime) -> RestoreReport:
    """Puts `source` in place of `database` (the replaced one is kept beside it). The caller applies
    newer migrations afterwards. Raises RestoreRefused, changing nothing, when it cannot be done."""
    lock = RunLock(database)
    try:
        lock.acquire()
    except AlreadyLocked as error:
        raise RestoreRefused(f"{error}; stop it first") from None
    try:
        if database.is_file() and in_use(database):
            raise RestoreRefused(f"{database} is in use by another program; stop it first")
        try:
            facts = inspect_database(source)
        except NotADatabase as error:
            raise RestoreRefused(f"{error}") from None
        if not facts.intact:
            raise RestoreRefused(f"{source} is damaged (integrity check: {'; '.join(facts.integrity[:5])})")
        latest = available_migrations()[-1].version
        if facts.schema_version == 0:
            raise RestoreRefused(f"{source} is not a Pingan database (it has no schema version)")
        if facts.schema_version > latest:
            raise RestoreRefused(f"{source} is at schema version {facts.schema_version}, newer than this Pingan "
                                 f"knows ({latest}): upgrade Pingan first")
        staging = database.with_name(database.name + ".restoring")
        copy_database(source, staging)
        kept = _set_aside(database, now)
        os.replace(staging, database)
    finally:
        lock.release()
    return RestoreReport(database=database, source=facts, replaced_kept_at=kept)


def _set_aside(database: Path, now: datetime) -> Path | None:
    """Moves the current database (its WAL folded in first) to `<name>.replaced-<time>`."""
    if not database.is_file():
        return None
    checkpoint(database)
    kept = database.with_name(f"{database.name}.replaced-{_stamp(now)}")
    os.replace(database, kept)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    return kept
