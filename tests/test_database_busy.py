"""SQLite's writer lock held by someone else past ``busy_timeout``: the request is refused with
503 and Retry-After (not a 500), and nothing it did is kept (issue 19: the SQLite spike).
The lock is real: another connection holds ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import fcntl
import os
import sqlite3

import pytest
import sqlalchemy as sa

from app import sqlite_writers
from app.extensions import db, sqlite_busy_timeout_ms, writes_done
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.committed_db


@pytest.fixture
def held_lock(app, monkeypatch):
    """Another connection holds SQLite's write lock; the app's connections wait 50 ms."""
    with app.app_context():
        url = db.engine.url
        if url.get_backend_name() != "sqlite":
            pytest.skip("SQLite's writer lock (PostgreSQL locks rows and waits)")
        monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "50")
        db.engine.dispose()  # new connections take the short timeout
    other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
    yield other  # the test takes the lock with other.execute("BEGIN IMMEDIATE")
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()
    monkeypatch.delenv("SQLITE_BUSY_TIMEOUT_MS")
    with app.app_context():
        db.engine.dispose()


def _tokens(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.text("SELECT count(*) FROM api_tokens"))


def test_a_busy_database_answers_503_and_keeps_nothing(app, client, committed_db, held_lock):
    make_user("trainee", email="busy@example.org")
    committed_db.commit()
    before = _tokens(app)
    body = {"email": "busy@example.org", "password": DEFAULT_PASSWORD}
    held_lock.execute("BEGIN IMMEDIATE")
    busy = client.post("/api/v1/tokens", json=body)
    assert busy.status_code == 503
    # At least BUSY_RETRY_AFTER_S; Flask-Limiter's header injection keeps the later of ours
    # and the rate limit window's reset.
    assert int(busy.headers["Retry-After"]) >= 2
    assert busy.get_json()["error"]["code"] == "database_busy"
    assert "try again" in busy.get_json()["error"]["message"]
    held_lock.execute("ROLLBACK")  # the other writer is done
    assert _tokens(app) == before
    assert client.post("/api/v1/tokens", json=body).status_code == 201
    assert _tokens(app) == before + 1


def test_a_writer_holding_the_writers_turn_too_long_gets_503_and_keeps_nothing(
    app, client, committed_db, held_lock
):
    """Request writers queue on ``<database>-writers.lock`` (app/sqlite_writers.py): one that
    cannot get its turn within the busy timeout is refused like a busy database."""
    make_user("trainee", email="turn@example.org")
    committed_db.commit()
    before = _tokens(app)
    body = {"email": "turn@example.org", "password": DEFAULT_PASSWORD}
    with app.app_context():
        path = f"{db.engine.url.database}-writers.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another worker's turn, never given back
        busy = client.post("/api/v1/tokens", json=body)
        assert busy.status_code == 503 and busy.get_json()["error"]["code"] == "database_busy"
        assert _tokens(app) == before
    finally:
        os.close(fd)  # that worker is gone: its turn with it
    assert client.post("/api/v1/tokens", json=body).status_code == 201
    assert _tokens(app) == before + 1


def test_once_a_request_has_written_its_reads_leave_the_writer_lock_free(app, held_lock):
    """``writes_done()`` (a start, a submit: the response is built after the commit): the
    request's later transaction begins deferred, reading beside another writer; before it, a
    POST's first statement waits for the writer lock (here: busy)."""
    held_lock.execute("BEGIN IMMEDIATE")  # another writer, for the whole test
    with app.test_request_context("/", method="POST"):
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            db.session.scalar(sa.text("SELECT 1"))
        db.session.rollback()
    with app.test_request_context("/", method="POST"):
        writes_done()
        assert db.session.scalar(sa.text("SELECT count(*) FROM users")) >= 0
        db.session.rollback()


def test_a_connection_gives_the_turn_back_when_its_transaction_ends(tmp_path):
    path = str(tmp_path / "turns.db")
    a, b = (
        sqlite3.connect(path, factory=sqlite_writers.QueuedWritersConnection, isolation_level=None)
        for _ in range(2)
    )
    for c in (a, b):
        sqlite_writers.attach(c)
    assert a.lock_path == f"{path}-writers.lock"
    for end in (a.commit, a.rollback, a.close):
        assert a.take_turn(0.01)
        assert not b.take_turn(0.01)  # waits, then says it stayed taken
        end()
        assert b.take_turn(0.01)
        b.rollback()
    memory = sqlite3.connect(":memory:", factory=sqlite_writers.QueuedWritersConnection)
    sqlite_writers.attach(memory)
    assert memory.lock_path is None and memory.take_turn(0)  # nothing to queue on
    b.close()


def test_a_busy_form_post_gets_a_page_saying_so(app, client, committed_db, held_lock):
    make_user("trainee", email="busy2@example.org")
    committed_db.commit()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    held_lock.execute("BEGIN IMMEDIATE")
    form = {"email": "busy2@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token}
    page = client.post("/login", data=form)
    assert page.status_code == 503 and int(page.headers["Retry-After"]) >= 2
    assert "try again in a moment" in page.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["0", "-5", "abc", "1e3", "700000", "٣"])
def test_a_bad_busy_timeout_is_refused_plainly(monkeypatch, raw):
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", raw)
    with pytest.raises(ValueError, match="SQLITE_BUSY_TIMEOUT_MS must be a whole number"):
        sqlite_busy_timeout_ms()


def test_the_busy_timeout_defaults_to_five_seconds(monkeypatch):
    monkeypatch.delenv("SQLITE_BUSY_TIMEOUT_MS", raising=False)
    assert sqlite_busy_timeout_ms() == 5000
