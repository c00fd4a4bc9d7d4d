"""Copies of the SQLite database through SQLite's online backup API, and what a copy holds.

These run in a thread (plain `sqlite3`, their own connections): the backup API copies a
consistent snapshot while the bot keeps writing (WAL lets readers and the one writer work at once).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

#: The tables whose row counts a backup or restore prints: what an operator recognises.
COUNTED_TABLES = ("cases", "case_reporters", "users", "groups", "audit_log", "notice_outbox", "alerts")


class NotADatabase(Exception):
    """The file is missing or is not an SQLite database."""


@dataclass(frozen=True)
class DatabaseFacts:
    """What a database file holds: its integrity, migration version and row counts."""

    path: Path
    size_bytes: int
    integrity: list[str]
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return self.integrity == ["ok"]


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of `source` at `target` (written beside it, then renamed into place), as
    one file with no WAL beside it, so that it can be moved anywhere."""
    if not source.is_file():
        raise NotADatabase(f"{source}: no such file")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            # All pages in one step: one read snapshot, so the copy is of a single moment even while
            # the bot writes (a stepwise copy would restart on every write).
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.DatabaseError as error:
        partial.unlink(missing_ok=True)
        raise NotADatabase(f"{source}: {error}") from None
    finally:
        src.close()
    os.replace(partial, target)


def inspect_database(path: Path) -> DatabaseFacts:
    """Integrity check, migration version and counts of a database file (opened read-only)."""
    if not path.is_file():
        raise NotADatabase(f"{path}: no such file")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:
            raise NotADatabase(f"{path} is damaged or not an SQLite database ({error})") from None
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = 0
        if "schema_version" in tables:
            version = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        counts = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608 - fixed names
                  for name in COUNTED_TABLES if name in tables and integrity == ["ok"]}
    finally:
        conn.close()
    return DatabaseFacts(path=path, size_bytes=path.stat().st_size, integrity=integrity,
                         schema_version=version, counts=counts)


def checkpoint(path: Path) -> None:
    """Folds the WAL into the database file, so that moving the file moves everything."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def in_use(path: Path) -> bool:
    """True if another connection holds a lock on the database (a running bot writing to it)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
