"""Committing a unit of work once, with a retry for SQLite's busy snapshots.

On SQLite a transaction that read before another writer committed cannot write
(SQLITE_BUSY_SNAPSHOT): ``commit_with_retry`` rolls back and runs the work again, so
concurrent starts and submits resolve as on PostgreSQL (the retry sees the winner).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from app.extensions import db

T = TypeVar("T")
RETRIES = 12


def is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def commit_with_retry(work: Callable[[], T]) -> T:
    """Run ``work`` and commit; on a lock error roll back and run it again (a few times)."""
    for attempt in range(RETRIES):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as exc:
            db.session.rollback()
            if not is_lock_error(exc) or attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")
