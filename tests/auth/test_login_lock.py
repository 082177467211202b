"""The password hash is checked outside any transaction (issue 19): on SQLite a login's POST
takes the database's write lock at its first statement, and holding it through argon2 would
make every trainee saving an answer wait for someone else's password check."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from app.auth import passwords
from app.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.committed_db


def _watch_the_hash_check(monkeypatch, app) -> list[dict[str, object]]:
    """Wrap the argon2 check: record whether a transaction is open and whether another
    connection could take SQLite's write lock at that moment."""
    seen: list[dict[str, object]] = []
    real = passwords.verify_password
    with app.app_context():
        url = db.engine.url

    def watched(stored, password):
        state: dict[str, object] = {"in_transaction": db.session().in_transaction()}
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                state["write_lock_free"] = True
            except sqlite3.OperationalError:
                state["write_lock_free"] = False
            finally:
                other.close()
        seen.append(state)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", watched)
    return seen


def test_the_login_form_checks_the_password_with_no_transaction_open(
    app, client, committed_db, monkeypatch
):
    make_user("trainee", email="lock@example.org")
    committed_db.commit()
    seen = _watch_the_hash_check(monkeypatch, app)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    form = {"email": "lock@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token}
    response = client.post("/login", data=form)
    assert response.status_code == 302
    assert seen and seen[0]["in_transaction"] is False
    assert seen[0].get("write_lock_free", True) is True
    with app.app_context():  # the login is still recorded (its own short transaction)
        actions = db.session.scalars(sa.text("SELECT action FROM audit_events")).all()
    assert "auth.login" in actions


def test_a_token_login_and_a_wrong_password_too(app, client, committed_db, monkeypatch):
    make_user("trainee", email="lock2@example.org")
    committed_db.commit()
    seen = _watch_the_hash_check(monkeypatch, app)
    ok = client.post(
        "/api/v1/tokens", json={"email": "lock2@example.org", "password": DEFAULT_PASSWORD}
    )
    assert ok.status_code in (200, 201)
    wrong = client.post(
        "/api/v1/tokens", json={"email": "lock2@example.org", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401
    assert [s["in_transaction"] for s in seen] == [False, False]
    assert all(s.get("write_lock_free", True) for s in seen)
    with app.app_context():
        actions = db.session.scalars(sa.text("SELECT action FROM audit_events")).all()
    assert "auth.login_failed" in actions
