"""A fresh, empty database beside the test database, for restores (SQLite file or a new
PostgreSQL database on the same server, dropped afterwards)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url


def require_client_tools(url: str) -> None:
    """Skip, saying why, when PostgreSQL's client tools are missing."""
    if url.startswith("postgresql") and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client)")


@contextmanager
def fresh_database(test_url: str, folder: Path) -> Iterator[str]:
    """The URL of a new empty database of the same kind as ``test_url``."""
    if not test_url.startswith("postgresql"):
        yield f"sqlite:///{folder / f'restored-{uuid.uuid4().hex[:8]}.db'}"
        return
    parsed = make_url(test_url)
    name = f"{parsed.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.SQLAlchemyError as exc:
        admin.dispose()
        pytest.skip(f"cannot create a database to restore into: {exc}")
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
