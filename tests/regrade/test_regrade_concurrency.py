"""Concurrent applies of one regrade: one applies, the others find nothing to change."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.extensions import db
from app.mail.models import OutboxMessage
from app.regrade import services
from tests.regrade.conftest import MAIL

THREADS = 4


@pytest.mark.timeout(300)
def test_concurrent_applies_regrade_once(app, committed_db, world):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            session = Session(bind=db.engine, expire_on_commit=False)
            try:
                barrier.wait(timeout=30)
                services.apply_regrade(session, None, "reg-q1", mail=MAIL)
                session.commit()
            except OperationalError as exc:  # SQLite "database is locked": retryable
                session.rollback()
                errors.append(exc)
            except BaseException as exc:
                session.rollback()
                errors.append(exc)
            finally:
                session.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(e, OperationalError) for e in errors), errors
    assert len(errors) < THREADS
    committed_db.expire_all()
    events = committed_db.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "attempts.regraded")
    )
    mails = committed_db.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.template == "regrade_result")
    )
    assert (events, mails) == (1, 3)
