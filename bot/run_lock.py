"""The lock file that says a Pingan is running on a database (`<database>.lock`).

An advisory `flock` on the file: the kernel releases it when the process ends, however it ends,
so a crash never leaves a stale lock behind. `pingan run` holds it; `pingan restore` needs it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyLocked(OSError):
    """Another process holds the lock: a bot is running on this database."""


class RunLock:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Takes the lock, or raises AlreadyLocked naming the holder's process id."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyLocked(f"{self.path} is held by process {holder}: Pingan is running on this database") \
                from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
