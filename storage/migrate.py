"""Numbered SQL migrations (`storage/migrations/NNNN_name.sql`), each applied in one transaction.

Applied versions are recorded in `schema_version`. A migration file is never edited once it has
shipped: changes go in a new file.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from storage.db import Database

logger = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """Every migration shipped with the package, in version order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def current_version(db: Database) -> int:
    exists = await db.fetch_value(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    )
    if not exists:
        return 0
    return await db.fetch_value("SELECT coalesce(max(version), 0) FROM schema_version") or 0


async def apply_migrations(db: Database, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply every pending migration; returns the ones applied now."""
    pending_from = await current_version(db)
    applied = []
    for migration in migrations if migrations is not None else available_migrations():
        if migration.version <= pending_from:
            continue
        async with db.transaction():
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            for statement in split_statements(migration.sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
        logger.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration)
    return applied


def split_statements(script: str) -> list[str]:
    """Split a script into complete statements (sqlite3.executescript would commit midway)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip().strip(";").strip():
                statements.append(buffer.strip())
            buffer = ""
    leftover = buffer.strip().splitlines()
    if leftover and not all(line.strip().startswith("--") for line in leftover):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:60]!r}")
    return statements
