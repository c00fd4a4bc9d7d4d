"""The SQLite connections: WAL, foreign keys, one transaction at a time, reads beside it, and the
WAL's checkpoints off the writing connection."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: How long after a write the WAL is checkpointed (copied into the database file), in a worker
#: thread of its own: soon enough that the WAL stays small, late enough that a burst of writes is
#: copied in one go.
CHECKPOINT_DELAY_SECONDS = 5.0


class Database:
    """The bot's aiosqlite connections: one that writes, and one that only reads.

    Writes of one action go through `transaction()`, so that an action is all-or-nothing.
    Handlers and jobs interleave on the writing connection, so a lock, held from BEGIN to COMMIT,
    keeps every statement from another task out of an open transaction (it would otherwise join
    it, or read its half-done state); the task that opened the transaction runs its statements
    directly.

    A query outside a transaction goes to the reading connection and waits for no lock: in WAL
    mode it reads the last committed state while a transaction is open. A write outside one waits
    for an open transaction to end and is then handed to aiosqlite's thread at once, which runs
    statements in the order it was handed them. Holding the lock over such a write's trip too (until
    its task ran again: on a busy event loop, most of the trip) had every write queue behind every
    other: 20–180 ms a step with 200 residents at once.

    SQLite's automatic checkpoint is off on the writing connection: it ran inside whichever write
    crossed 1,000 pages of WAL and, with its fsyncs, held that statement (and the lock, and every
    update waiting for it) for a quarter of a second on a slow disk. A checkpoint of its own
    connection, in a worker thread, follows writes instead (`_checkpoint_soon`); a PASSIVE one
    waits for no reader or writer, and none waits for it.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path,
                 reader: aiosqlite.Connection | None = None) -> None:
        self._conn = connection
        self._reader = reader or connection  # an in-memory database has one connection
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._checkpoint: asyncio.Task | None = None
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        db_path = Path(path)
        in_memory = str(db_path) == ":memory:"
        if not in_memory and db_path.parent != Path(""):
            db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = await _connect(db_path)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        reader = None
        if not in_memory:
            await conn.execute("PRAGMA wal_autocheckpoint=0")
            reader = await _connect(db_path)
            await reader.execute("PRAGMA query_only=ON")
        return cls(conn, db_path, reader)

    async def close(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.cancel()  # closing the last connection checkpoints the WAL anyway
            self._checkpoint = None
        if self._reader is not self._conn:
            await self._reader.close()
        await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK if the block raises. Not nestable."""
        if self._in_own_transaction():
            raise RuntimeError("transactions do not nest: the service owns the one transaction")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            finally:
                self._owner = None
        self._checkpoint_soon()

    def _in_own_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    async def _on_writer(self, call: Callable[[], Awaitable[T]]) -> T:
        """Runs a call on the writing connection: at once inside the caller's own transaction, else
        under the lock (never inside another task's transaction)."""
        if self._in_own_transaction():
            return await call()
        if self._lock.locked():  # a transaction is open: wait for its end, in turn
            async with self._lock:
                pass
        # No task runs between that release (or the check) and `call()` handing the statement to
        # aiosqlite's thread, which runs what it is handed in order: a transaction begun later has
        # its BEGIN run after the statement, so the statement needs no lock while it runs.
        result = await call()
        self._checkpoint_soon()  # a statement outside a transaction commits by itself
        return result

    def _checkpoint_soon(self) -> None:
        """After a commit: a checkpoint in a while, unless one is already due."""
        if self._checkpoint is None and self._reader is not self._conn:
            self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_later())

    async def _checkpoint_later(self) -> None:
        await asyncio.sleep(CHECKPOINT_DELAY_SECONDS)
        self._checkpoint = None  # writes from here on are the next checkpoint's
        try:
            await asyncio.to_thread(_checkpoint_wal, self.path)
        except sqlite3.Error:  # the WAL only grows until the next one; nothing is lost
            logger.warning("WAL checkpoint failed", exc_info=True)

    async def _run(self, sql: str, params: Iterable[Any] | dict[str, Any]) -> aiosqlite.Cursor:
        """Runs one statement in a single trip to aiosqlite's thread (see `fetch_all`). Its cursor
        is not closed with a second trip: sqlite3 resets a statement as soon as it has run, and the
        cursor goes with the last reference to it, as the transaction's BEGIN and COMMIT do."""
        return await self._on_writer(lambda: self._conn.execute(sql, params))

    async def execute(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return (await self._run(sql, params)).rowcount

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Runs one statement for each row of parameters, in a single trip to aiosqlite's thread."""
        await self._on_writer(lambda: self._conn.executemany(sql, rows))

    async def insert(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        return (await self._run(sql, params)).lastrowid

    async def fetch_one(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        """The first row of a query meant to return at most one."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        # One trip to aiosqlite's thread (execute, fetch and close there), not three: each trip costs
        # a thread wake-up both ways, which is most of a read's CPU and, with a few reads per update,
        # a good part of the update's.
        if self._reader is not self._conn and _reads_only(sql) and not self._in_own_transaction():
            return list(await self._reader.execute_fetchall(sql, params))
        return list(await self._on_writer(lambda: self._conn.execute_fetchall(sql, params)))

    async def fetch_value(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing implicit.
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    await connection.execute("PRAGMA busy_timeout=5000")
    return connection


def _checkpoint_wal(path: Path) -> None:
    """Copies what the WAL holds into the database file, on a connection of its own (and so a
    thread of its own), without waiting for any reader or writer."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()


def _reads_only(sql: str) -> bool:
    """A SELECT (a write that returns rows, `INSERT … RETURNING`, must go to the writing connection)."""
    return sql.lstrip()[:6].upper() == "SELECT"
