"""The fixture chain: app → db_session → client → login_as, plus frozen_clock and count_queries.

- ``app`` (session): ``create_app`` on ``TEST_DATABASE_URL`` (PostgreSQL) or a temporary SQLite
  file; the schema comes from the Alembic migrations (PostgreSQL starts from an empty schema).
- ``db_session``: a SQLAlchemy session for the test. By default everything (the test and the
  requests it makes) runs inside one outer transaction that is rolled back afterwards; requests
  that commit only release a savepoint. Mark a test ``@pytest.mark.committed_db`` (or use the
  ``committed_db`` fixture) for real commits, e.g. across threads; tables are truncated after.
- ``client``: Flask test client (rate-limit counters reset).
- ``login_as(role, **kw)``: creates a user and logs the client in through the form; returns it.
  A trainee or instructor joins the default cohort of every program unless ``enrol=False``
  (tests/factories.py: the default test world of enrolment).
- ``frozen_clock``: ``frozen_clock.set(dt)`` / ``frozen_clock.advance(minutes=5)``.
- ``count_queries``: ``with count_queries() as q: ...; assert q.count <= 3``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import clock, create_app
from app.auth.models import User
from app.derived import store
from app.extensions import db, limiter
from app.quiz import shapes, versions
from tests import factories

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_dir / 'test.db'}"


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    tmp_dir = tmp_path_factory.mktemp("instance")
    url = _database_url(tmp_dir)
    if url.startswith("postgresql"):
        _reset_postgres(url)
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_dir),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
        }
    )
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _default_world() -> Iterator[None]:
    """Each test starts with no default cohort members (tests/factories.py, issue 13), and no
    item kept by the save path's per-worker cache, version kept by the attempt page's nor
    derived result loaded by the worker (ids are reused after a rolled-back test)."""
    factories.reset_default_world()
    shapes.forget_all()
    versions.forget_all()
    store.forget_loaded()
    yield
    factories.reset_default_world()
    shapes.forget_all()
    versions.forget_all()
    store.forget_loaded()


@pytest.fixture
def committed_db(request: pytest.FixtureRequest, app: Flask) -> Iterator[Session]:
    """Real commits (for threads or processes); every table is emptied afterwards."""
    request.node.add_marker(pytest.mark.committed_db)
    yield from _committed_session(app)


def _committed_session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        engine = db.engine
    session = Session(bind=engine, expire_on_commit=False)
    factories.use_session(session)
    try:
        yield session
    finally:
        factories.use_session(None)
        session.close()
        _truncate_all(engine)


def _truncate_all(engine: sa.Engine) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    # Content tables point at each other (a question and its current version): switch the
    # checks off for the sweep. The PRAGMA goes straight to the driver connection (autocommit),
    # since SQLite ignores it inside a transaction, and is switched back on before the
    # connection returns to the pool.
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                for table in tables:
                    conn.execute(table.delete())
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


@pytest.fixture
def db_session(request: pytest.FixtureRequest, app: Flask) -> Iterator[Session]:
    """The test's session; rolled back after the test unless marked ``committed_db``."""
    if request.node.get_closest_marker("committed_db") or "committed_db" in request.fixturenames:
        if "committed_db" in request.fixturenames:
            yield request.getfixturevalue("committed_db")
        else:
            yield from _committed_session(app)
        return

    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    # Plain sessions bound to the test's connection, one per app context (= per request).
    # (Flask-SQLAlchemy's own Session class picks the engine itself and would ignore ``bind``.)
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    factories.use_session(session)
    try:
        yield session
    finally:
        factories.use_session(None)
        session.close()
        with app.app_context():
            db.session.remove()
        db.session = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    with app.app_context():
        limiter.reset()
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session: Session):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    """Extract the first CSRF token from a rendered page."""
    match = CSRF_RE.search(html)
    if not match:
        raise AssertionError("no csrf_token in page")
    return match.group(1) or match.group(2)


@pytest.fixture
def get_csrf(client: FlaskClient) -> Callable[[str], str]:
    """``get_csrf("/login")`` → a CSRF token valid for the client's session."""

    def fetch(path: str = "/login") -> str:
        return csrf_token_from(client.get(path).get_data(as_text=True))

    return fetch


def login(client: FlaskClient, email: str, password: str = factories.DEFAULT_PASSWORD) -> Any:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client: FlaskClient, db_session: Session) -> Callable[..., User]:
    """``user = login_as("admin")``: create a user of that role and log the client in."""

    def do_login(role: str = "trainee", **kw: Any) -> User:
        user = factories.make_user(role, **kw)
        db_session.commit()  # in rollback mode this only releases a savepoint
        response = login(client, user.email, kw.get("password", factories.DEFAULT_PASSWORD))
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do_login


@dataclass
class FrozenClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("use an aware datetime")
        self.now = value

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    """Freeze ``app.clock.utcnow()`` at 2026-01-15 09:00 UTC; move it with set/advance."""
    fake = FrozenClock()
    clock.set_provider(fake)
    try:
        yield fake
    finally:
        clock.reset()


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], contextlib.AbstractContextManager[QueryCounter]]:
    """``with count_queries() as q: client.get(...)`` then ``assert q.count <= N``."""
    with app.app_context():
        engine = db.engine

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
            if head not in {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA"}:
                counter.statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests when Debian's Chromium is missing."""
    if Path("/usr/bin/chromium").exists():
        return
    skip = pytest.mark.skip(reason="/usr/bin/chromium is not installed")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)
