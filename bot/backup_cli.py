"""`pingan backup` and `pingan restore`: what they print and how they exit."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.backup import (
    BackupFailed,
    RestoreRefused,
    restore_database,
    rotate_backups,
    take_backup,
    timestamped_backup,
)
from bot.config import Settings
from storage.backup import DatabaseFacts, NotADatabase
from storage.db import Database
from storage.migrate import apply_migrations, current_version


def backup(config: Settings, file: str | None) -> int:
    """Writes the backup (to FILE, or timestamped into backup.dir, rotated); exit 0 or 1."""
    database = config.storage.path
    if not database.is_file():
        print(f"pingan backup: {database}: no database to back up", file=sys.stderr)
        return 1
    try:
        if file:
            report = take_backup(database, Path(file))
        else:
            folder = config.backup.folder(database)
            report = timestamped_backup(database, folder, datetime.now(UTC))
            rotate_backups(database, folder, config.backup.keep)
    except (BackupFailed, NotADatabase, OSError) as error:
        print(f"pingan backup: {error}", file=sys.stderr)
        return 1
    print(f"Backed up {database} to {report.path} in {report.seconds:.2f} s "
          f"({report.facts.size_bytes:,} bytes, integrity ok).")
    print_counts(report.facts)
    return 0


def restore(config: Settings, file: str) -> int:
    """Puts FILE in place of the database and migrates it; exit 0, or 1 with the reason."""
    database = config.storage.path
    try:
        report = restore_database(database, Path(file), datetime.now(UTC))
    except (RestoreRefused, OSError) as error:
        print(f"pingan restore: refused: {error}", file=sys.stderr)
        return 1
    version = asyncio.run(_migrate(database))
    print(f"Restored {database} from {file} (schema version {report.source.schema_version}"
          f"{f', migrated to {version}' if version != report.source.schema_version else ''}).")
    if report.replaced_kept_at is not None:
        print(f"The database it replaced is kept at {report.replaced_kept_at}.")
    print_counts(report.source)
    return 0


async def _migrate(database: Path) -> int:
    db = await Database.open(database)
    try:
        await apply_migrations(db)
        return await current_version(db)
    finally:
        await db.close()


def print_counts(facts: DatabaseFacts) -> None:
    print(f"  schema version: {facts.schema_version}")
    for table, rows in facts.counts.items():
        print(f"  {table}: {rows:,}")
