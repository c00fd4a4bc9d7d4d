"""The SQLite connections: WAL, foreign keys, one transaction at a time, reads beside it, and the
WAL's checkpoints off the writing connection."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
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
        self._checkpointing = asyncio.Lock()  # one checkpoint at a time: SQLite refuses a second
        self._deferred: list[_Statement] = []  # the open transaction's writes held for its next trip
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
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK if the block raises. Not nestable.

        BEGIN goes to the database with the block's first statement, and writes the block defers
        (`write`) with its next one, or with COMMIT: one trip to aiosqlite's thread for them all.
        On a busy event loop each trip waits for the loop to come round to the task again, and the
        lock is held all the while."""
        if self._in_own_transaction():
            raise RuntimeError("transactions do not nest: the service owns the one transaction")
        async with self._lock:
            self._owner = asyncio.current_task()
            self._deferred = [_Statement("BEGIN IMMEDIATE")]
            try:
                try:
                    yield self
                    # The writes deferred to here may fail, and COMMIT itself: rolled back too.
                    await self._trip(lambda connection: connection.execute("COMMIT"))
                except BaseException:
                    begun = not self._deferred or self._deferred[0].sql != "BEGIN IMMEDIATE"
                    self._deferred = []
                    if begun:
                        await self._on_thread(_roll_back)
                    raise
            finally:
                self._owner = None
                self._deferred = []
        self._checkpoint_soon()

    def _in_own_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    async def _on_writer(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `work` on the writing connection: at once inside the caller's own transaction (with
        the writes it deferred), else as soon as no transaction is open (never inside another
        task's)."""
        if self._in_own_transaction():
            return await self._trip(work)
        if self._lock.locked():  # a transaction is open: wait for its end, in turn
            async with self._lock:
                pass
        # No task runs between that release (or the check) and `_on_thread` handing the work to
        # aiosqlite's thread, which runs what it is handed in order: a transaction begun later has
        # its BEGIN run after the statement, so the statement needs no lock while it runs.
        result = await self._on_thread(work)
        self._checkpoint_soon()  # a statement outside a transaction commits by itself
        return result

    async def _trip(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """In the caller's transaction: the writes it deferred, then `work`, in one trip."""
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return await self._on_thread(work)

        def deferred_then_work(connection: sqlite3.Connection) -> T:
            for statement in deferred:
                statement.run(connection)
            return work(connection)

        return await self._on_thread(deferred_then_work)

    async def _on_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # aiosqlite's own cursors reach its thread this way (`_execute`, its one entry point); the
        # public calls each run one sqlite3 call, and a batch of them would be a trip each.
        writer = self._conn
        return await writer._execute(lambda: work(writer._conn))

    def _checkpoint_soon(self) -> None:
        """After a commit: a checkpoint in a while, unless one is already due."""
        if self._checkpoint is None and self._reader is not self._conn:
            self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_later())

    async def _checkpoint_later(self) -> None:
        await asyncio.sleep(CHECKPOINT_DELAY_SECONDS)
        self._checkpoint = None  # writes from here on are the next checkpoint's
        try:
            async with self._checkpointing:
                await asyncio.to_thread(_checkpoint_wal, self.path)
        except sqlite3.Error:  # the WAL only grows until the next one; nothing is lost
            logger.warning("WAL checkpoint failed", exc_info=True)

    async def truncate_wal(self) -> bool:
        """Copies the whole WAL into the database file and empties it (after an erasure: no earlier
        copy of an erased page stays on disk); False if the database stayed busy. Waits for readers
        (the busy timeout) and for a checkpoint already under way, which would otherwise make this
        one give up at once."""
        async with self._checkpointing:
            busy = await self._on_writer(
                lambda connection: connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
        if busy:  # what was written is in the database all the same; the old pages wait for the next
            logger.warning("the WAL could not be emptied: the database stayed busy")
        return not busy

    async def execute(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return await self._on_writer(lambda connection: connection.execute(sql, params).rowcount)

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Runs one statement for each row of parameters, in a single trip to aiosqlite's thread."""
        await self._on_writer(lambda connection: connection.executemany(sql, rows))

    async def write(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> None:
        """A write whose outcome nobody waits for (no count, no id). Inside the caller's
        transaction it goes to the database with the transaction's next statement, or its COMMIT,
        in the same trip (its error, if any, is raised there, and the transaction rolls back);
        outside one, at once. For writes that can fail only if something is badly wrong: a
        constraint the caller would catch belongs to `execute`."""
        if self._in_own_transaction():
            self._deferred.append(_Statement(sql, _frozen(params)))
        else:
            await self.execute(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """`write` for one statement over several rows of parameters (`execute_many`)."""
        if self._in_own_transaction():
            self._deferred.append(_Statement(sql, [tuple(row) for row in rows], many=True))
        else:
            await self.execute_many(sql, rows)

    async def insert(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        return await self._on_writer(lambda connection: connection.execute(sql, params).lastrowid)

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
        return await self._on_writer(lambda connection: connection.execute(sql, params).fetchall())

    async def fetch_value(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing implicit.
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    await connection.execute("PRAGMA busy_timeout=5000")
    return connection


@dataclass(frozen=True, slots=True)
class _Statement:
    """A write held back to go with the transaction's next trip."""

    sql: str
    params: tuple[Any, ...] | dict[str, Any] | list[tuple[Any, ...]] = ()
    many: bool = False

    def run(self, connection: sqlite3.Connection) -> None:
        if self.many:
            connection.executemany(self.sql, self.params)
        else:
            connection.execute(self.sql, self.params)


def _frozen(params: Iterable[Any] | dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    """The parameters as they are now (the caller may reuse its list before they are run)."""
    return dict(params) if isinstance(params, dict) else tuple(params)


def _roll_back(connection: sqlite3.Connection) -> None:
    # A BEGIN that failed (the database busy past the timeout) left no transaction to roll back.
    if connection.in_transaction:
        connection.execute("ROLLBACK")


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
