"""Flask extensions, created unbound here and attached in ``create_app``; the declarative Base."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

import flask_smorest
import marshmallow as ma
import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from app import sqlite_writers

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model; constraints get stable names on every database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def dialect_insert(session: Session, model: Any) -> Any:
    """``INSERT`` into ``model`` in the session's database's own dialect, which has
    ``on_conflict_do_nothing`` / ``on_conflict_do_update`` (the upserts of app/derived and
    app/quiz/exposure.py); the app runs on PostgreSQL and SQLite only."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"upserts on {dialect}")


def json_rows_insert(model: Any, columns: tuple[str, ...], returning: tuple[str, ...] = ()) -> Any:
    """PostgreSQL's ``INSERT INTO t (columns) SELECT * FROM json_to_recordset(:rows) AS
    r(column type, …) RETURNING …``: many rows in one short statement whose text never
    changes, given as one JSON parameter ``rows`` (a list of dicts; other keys are ignored).

    A multi-row ``VALUES`` is a new text for psycopg to parse at every call (a fifth of a
    worker's time in the spike), an executemany a statement per row, and arrays per column
    cost SQLAlchemy's and psycopg's escaping of every element (a tenth of a start, for the
    JSON of 50 items); ``json.dumps`` runs in C. Text, whose compilation SQLAlchemy caches,
    typed from the table: its rows are the ``returning`` columns."""
    table = model.__table__
    dialect = postgresql.dialect()
    spec = ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in columns)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)})"
        f" SELECT * FROM json_to_recordset(:rows) AS r({spec})"
    )
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    statement = sa.text(sql).bindparams(sa.bindparam("rows", type_=sa.JSON))
    return statement.columns(*(table.c[name] for name in returning)) if returning else statement


def json_rows_update(model: Any, key: str, columns: tuple[str, ...]) -> Any:
    """PostgreSQL's ``UPDATE t SET column = r.column, … FROM json_to_recordset(:rows) AS
    r(key type, column type, …) WHERE t.key = r.key``: a value per row in one statement of
    fixed text, where an executemany is a round trip per row (``json_rows_insert``'s reasons)."""
    table = model.__table__
    dialect = postgresql.dialect()
    names = (key, *columns)
    spec = ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in names)
    sets = ", ".join(f"{name} = r.{name}" for name in columns)
    sql = (
        f"UPDATE {table.name} SET {sets} FROM json_to_recordset(:rows) AS r({spec})"
        f" WHERE {table.name}.{key} = r.{key}"
    )
    return sa.text(sql).bindparams(sa.bindparam("rows", type_=sa.JSON))


def one_of(dialect: str, column: Any, name: str) -> Any:
    """``column IN (:name)`` for a list given as the parameter ``name`` when executed; on
    PostgreSQL (``dialect``) ``column = ANY(:name)``, one array parameter whatever their
    number: an ``IN`` of 200 ids is a statement text of 5,000 characters that SQLAlchemy
    expands and psycopg parses again at every execution (a start's draw)."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))


def unnest_params(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """``rows`` as one list per column, the parameters ``unnest_{column}`` of a statement that
    reads them with PostgreSQL's ``unnest`` (``quiz.exposure``'s upserts)."""
    return {f"unnest_{name}": [row[name] for row in rows] for name in columns}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware DateTime that always returns aware UTC (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use app.clock")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def alembic_render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as plain SQLAlchemy ones in generated migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def rate_limit_key() -> str:
    """The client IP (the real one once ProxyFix has run, when TRUST_PROXY=1)."""
    return get_remote_address() or "unknown"


limiter = Limiter(key_func=rate_limit_key, default_limits=[], headers_enabled=True)


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Stable snake_case code."})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Dict(),
        metadata={
            "description": "validation_error only: per location (json, query, path), each "
            "field's messages (a list of strings, or an object for a nested field)."
        },
    )


class ErrorEnvelope(ma.Schema):
    """Every API error: ``{"error": {"code": ..., "message": ..., "fields"?: ...}}``."""

    error = ma.fields.Nested(ErrorBody, required=True)


class Api(flask_smorest.Api):
    """flask-smorest Api with our error envelope; no catch-all ``default`` response: every
    status an operation can give is listed (``app/api/error_docs.py`` adds the common ones)."""

    ERROR_SCHEMA = ErrorEnvelope
    DEFAULT_ERROR_RESPONSE_NAME = None


api = Api()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, WAL and full sync for every SQLite connection (no-op elsewhere)."""
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin): pysqlite's implicit transactions
    # break SAVEPOINT and make reads run outside any transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={sqlite_busy_timeout_ms()}")
    cursor.close()
    sqlite_writers.attach(dbapi_connection)


def sqlite_busy_timeout_ms() -> int:
    """How long a SQLite statement waits for another writer's lock before "database is
    locked" (answered 503 with Retry-After: app/errors.py): ``SQLITE_BUSY_TIMEOUT_MS``,
    5000 by default (docs/operations.md)."""
    raw = os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000").strip()
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= 600_000:
        raise ValueError(
            f"SQLITE_BUSY_TIMEOUT_MS must be a whole number of milliseconds from 1 to 600000,"
            f" not {raw[:40]!r}"
        )
    return int(raw)


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITES_DONE = "sqlite_writes_done"


def writes_done() -> None:
    """This request has committed all it changes; what it does next only reads (building
    its response). On SQLite its next transaction then begins deferred, without taking the
    writer lock, so other requests write while this one reads and renders (a start's 50-item
    answer). A write after this would have to take the lock mid-transaction and could be
    refused as busy: call it only where the request is done writing. No-op elsewhere."""
    if has_request_context():
        setattr(g, WRITES_DONE, True)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """Start SQLite transactions explicitly (the documented pysqlite savepoint recipe).

    A request that changes state takes SQLite's write lock at BEGIN (IMMEDIATE), so concurrent
    writers (several gunicorn workers) wait their turn: first on the writers' lock file
    (``app/sqlite_writers.py``, handed on within half a millisecond), then, for a writer from
    outside the requests, through busy_timeout. With a deferred
    BEGIN, a transaction that read before another writer committed fails at its first write
    with "database is locked" instead of waiting. Reads keep a deferred BEGIN and run alongside.
    """
    if connection.dialect.name != "sqlite":
        return
    writes = has_request_context() and request.method in WRITE_METHODS and not g.get(WRITES_DONE)
    if writes:
        raw = connection.connection.dbapi_connection
        if isinstance(raw, sqlite_writers.QueuedWritersConnection) and not raw.take_turn(
            sqlite_busy_timeout_ms() / 1000
        ):
            locked = sqlite3.OperationalError("database is locked")
            raise exc.OperationalError("BEGIN IMMEDIATE", None, locked)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _is_sqlite(dbapi_connection: Any) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)
