"""SQLite's request writers take turns through a lock file instead of SQLite's busy handler.

A request that writes takes SQLite's one writer lock at ``BEGIN IMMEDIATE``
(``extensions._sqlite_begin``). While another worker holds it, SQLite's busy handler puts the
waiter to sleep for 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between tries: a
write that waits behind a 3 ms write often sleeps 5 or 10 ms more than it had to, and the lock
stands idle meanwhile (issue 19: the spike and the saves on SQLite).

Here each writer first takes an exclusive ``flock`` on ``<database file>-writers.lock``,
trying again every half millisecond, and lets it go as soon as its transaction has committed
or rolled back. The next writer then starts within half a millisecond of the lock being free,
and its ``BEGIN IMMEDIATE`` finds SQLite's lock free. A writer still waiting after
``SQLITE_BUSY_TIMEOUT_MS`` is refused like a busy database (``database is locked``: 503 with
``Retry-After``, app/errors.py). Writers outside requests (the CLI) do not take the file's lock;
SQLite's own lock still orders them with everyone, as before.

The lock belongs to each connection (its own open file), so two connections of one process
(threads) queue like two processes. A process that dies loses its lock with its files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time

POLL_S = 0.0005


class QueuedWritersConnection(sqlite3.Connection):
    """A pysqlite connection that can take the writers' turn (``take_turn``) and gives it back
    when its transaction ends (``commit``, ``rollback``, ``close``)."""

    lock_path: str | None = None
    _fd: int | None = None
    _holding: bool = False

    def take_turn(self, timeout_s: float) -> bool:
        """Wait for the writers' lock (at most ``timeout_s``); False when it stayed taken. True
        at once when this connection already holds it, or has no file to lock (in memory)."""
        if self.lock_path is None or self._holding:
            return True
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(POLL_S)
            else:
                self._holding = True
                return True

    def give_turn(self) -> None:
        if self._holding and self._fd is not None:
            self._holding = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn()
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None


def attach(connection: sqlite3.Connection) -> None:
    """Point a new connection at its database's writers' lock file (none in memory)."""
    if not isinstance(connection, QueuedWritersConnection):
        return
    for _seq, name, path in connection.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            connection.lock_path = f"{path}-writers.lock"
