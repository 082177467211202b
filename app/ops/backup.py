"""Backups and restores of the application database, taken while the app keeps serving.

- **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies the database in one
  step inside one read transaction: a consistent snapshot of every committed transaction,
  while writers go on (WAL). The copy is checked (``PRAGMA integrity_check``), switched out of
  WAL into a single self-contained file, and renamed into place only when complete.
- **PostgreSQL**: ``pg_dump --format=custom`` (one repeatable-read snapshot), restored with
  ``pg_restore --single-transaction --exit-on-error``. The client's major version must be at
  least the server's. The password goes to ``pg_dump`` in ``PGPASSWORD``, never on its
  command line.

A restore goes into an **empty** database (a new SQLite file, or a freshly created PostgreSQL
database): it refuses a database that has tables, so it cannot merge into or overwrite live
data. Every function raises :class:`BackupError` with a sentence for the operator.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

PG_TIMEOUT_SECONDS = 3600


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why and changes nothing."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    method: str  # "sqlite-backup-api" or "pg_dump"
    size: int


def dialect_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` (anything else is refused)."""
    try:
        name = make_url(url).get_backend_name()
    except sa.exc.ArgumentError as exc:
        raise BackupError("the database URL cannot be read") from exc
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def sqlite_file(url: str) -> Path:
    """The file of a SQLite URL (``sqlite:///path``); refuses in-memory databases."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return Path(database)


def libpq_connection(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``pg_dump``/``pg_restore --dbname`` (pure), and the
    environment that carries the password (``PGPASSWORD``), from a SQLAlchemy URL."""
    parsed: URL = make_url(url)
    parts: dict[str, str] = {}
    if parsed.database:
        parts["dbname"] = parsed.database
    if parsed.host:
        parts["host"] = parsed.host
    if parsed.port:
        parts["port"] = str(parsed.port)
    if parsed.username:
        parts["user"] = parsed.username
    for key, value in parsed.query.items():  # sslmode, host=/run/postgresql, ...
        parts[key] = value if isinstance(value, str) else value[-1]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return " ".join(f"{key}={quote_conninfo(value)}" for key, value in parts.items()), env


def quote_conninfo(value: str) -> str:
    """A libpq keyword value in single quotes, with ``\\`` and ``'`` escaped (pure)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------- create


def create_backup(
    url: str, dest: Path, *, environ: Mapping[str, str], pg_dump: str | None = None
) -> BackupResult:
    """Back up the database at ``url`` into the new file ``dest`` (never overwritten).

    ``environ``: the environment the PostgreSQL client tools run in (the CLI passes its own;
    ``PGPASSWORD`` is added from the URL)."""
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest.name} already exists: choose a new file name")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder for {dest.name} does not exist")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if dialect_of(url) == "sqlite":
            _sqlite_backup(sqlite_file(url), partial)
            method = "sqlite-backup-api"
        else:
            _pg_dump(url, partial, pg_dump or _tool("pg_dump"), environ)
            method = "pg_dump"
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(dest, method, dest.stat().st_size)


def _sqlite_backup(source_file: Path, target_file: Path) -> None:
    if not source_file.is_file():
        raise BackupError("the SQLite database file does not exist")
    source = sqlite3.connect(source_file)
    target = sqlite3.connect(target_file)
    try:
        source.execute("PRAGMA busy_timeout=5000")
        source.backup(target)  # all pages in one step: one consistent snapshot
        _self_contained(target)
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from exc
    finally:
        target.close()
        source.close()


def _self_contained(connection: sqlite3.Connection) -> None:
    """Check the copy and make it one file (no WAL beside it), flushed to disk."""
    (verdict,) = connection.execute("PRAGMA integrity_check").fetchone()
    if verdict != "ok":
        raise BackupError(f"the copy fails SQLite's integrity check: {verdict}")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.commit()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (Debian: "
            "postgresql-client) of the server's major version or newer"
        )
    return found


def _run(args: list[str], env: Mapping[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            args,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what} could not run: {exc}") from exc
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _pg_dump(url: str, target_file: Path, tool: str, environ: Mapping[str, str]) -> None:
    conninfo, password = libpq_connection(url)
    args = [tool, "--format=custom", "--no-password", f"--file={target_file}"]
    _run([*args, f"--dbname={conninfo}"], {**environ, **password}, "pg_dump")


# ---------------------------------------------------------------- restore


def restore_backup(
    src: Path, url: str, *, environ: Mapping[str, str], pg_restore: str | None = None
) -> str:
    """Restore the backup ``src`` into the empty database at ``url``; returns the method
    (``environ``: as for :func:`create_backup`)."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"{src.name} does not exist or is not a file")
    if dialect_of(url) == "sqlite":
        _sqlite_restore(src, sqlite_file(url))
        return "sqlite-backup-api"
    tool = pg_restore or _tool("pg_restore")
    if table_count(url):
        raise BackupError("the target database already has tables: restore into an empty one")
    conninfo, password = libpq_connection(url)
    args = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    args += ["--no-password", f"--dbname={conninfo}", str(src)]
    _run(args, {**environ, **password}, "pg_restore")
    return "pg_restore"


def _sqlite_restore(src: Path, target_file: Path) -> None:
    if target_file.exists() and target_file.stat().st_size > 0:
        raise BackupError(
            f"{target_file.name} already exists: restore into a new file (move the old one "
            "away first, with the app stopped)"
        )
    if not target_file.parent.is_dir():
        raise BackupError(f"the folder for {target_file.name} does not exist")
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(target_file)
    try:
        (verdict,) = source.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"{src.name} fails SQLite's integrity check: {verdict}")
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as exc:
        target.close()
        target_file.unlink(missing_ok=True)
        raise BackupError(f"{src.name} is not a usable SQLite backup: {exc}") from exc
    finally:
        target.close()
        source.close()


def table_count(url: str) -> int:
    """How many tables the database at ``url`` has (outside the system schemas)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sum(
                len(sa.inspect(connection).get_table_names(schema=schema))
                for schema in sa.inspect(connection).get_schema_names()
                if schema not in ("information_schema", "pg_catalog", "pg_toast")
            )
    except sa.exc.SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise BackupError(f"the target database cannot be reached: {reason}") from exc
    finally:
        engine.dispose()
