"""The shared fixtures behave as documented (so other suites can rely on them)."""

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import clock
from app.auth.models import User
from app.extensions import db
from tests.factories import make_user


def test_frozen_clock_controls_utcnow_and_model_defaults(frozen_clock, db_session):
    assert clock.utcnow() == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    frozen_clock.advance(minutes=5)
    user = make_user()
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get(User, user.id).created_at
    assert stored == datetime(2026, 1, 15, 9, 5, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_datetimes_are_refused(db_session):
    with pytest.raises(sa.exc.StatementError):
        make_user(created_at=datetime(2026, 1, 1))


def test_rollback_isolation_part_1(db_session):
    make_user(email="isolation@example.org")
    db_session.commit()


def test_rollback_isolation_part_2(db_session):
    assert db_session.scalar(sa.select(User).where(User.email == "isolation@example.org")) is None


def test_count_queries(client, login_as, count_queries):
    login_as("trainee")
    with count_queries() as q:
        assert client.get("/profile").status_code == 200
    assert 1 <= q.count <= 4, q.statements


@pytest.mark.committed_db
def test_committed_db_allows_real_commits_across_threads(app, db_session):
    make_user(email="threaded@example.org")
    db_session.commit()
    seen = []

    def reader():
        with app.app_context():
            seen.append(
                db.session.scalar(sa.select(User.email).where(User.email == "threaded@example.org"))
            )

    thread = threading.Thread(target=reader)
    thread.start()
    thread.join()
    assert seen == ["threaded@example.org"]


def test_committed_db_tables_were_truncated(db_session):
    assert db_session.scalar(sa.select(User).where(User.email == "threaded@example.org")) is None
