"""Ten concurrent final submits make one completion and at most one certificate (A12)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.banks.models import Program
from app.certificates import services
from app.certificates.models import Certificate, Completion
from app.extensions import db
from app.quiz.services import submit_attempt
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program

THREADS = 10


def _run_in_threads(app, work) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            session = Session(bind=db.engine, expire_on_commit=False)
            try:
                barrier.wait(timeout=30)
                work(session)
                session.commit()
            except OperationalError as exc:  # SQLite "database is locked": a retryable 5xx
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
    return errors


def _counts(session: Session) -> tuple[int, int]:
    completions = session.scalar(sa.select(sa.func.count()).select_from(Completion))
    certificates = session.scalar(sa.select(sa.func.count()).select_from(Certificate))
    return completions, certificates


@pytest.mark.timeout(300)
def test_ten_concurrent_final_submits_make_one_completion_and_one_certificate(app, committed_db):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(committed_db, requires_review=False)
    make_attempt(committed_db, trainee, modules[0])
    final = make_attempt(committed_db, trainee, modules[1], open_=True)
    committed_db.commit()
    user_id, attempt_id = trainee.id, final.id

    def submit(session: Session) -> None:
        submit_attempt(session, session.get(User, user_id), attempt_id)

    errors = _run_in_threads(app, submit)
    assert all(isinstance(e, OperationalError) for e in errors), errors
    committed_db.expire_all()
    assert _counts(committed_db) == (1, 1)


@pytest.mark.timeout(300)
def test_ten_concurrent_record_completion_calls_make_one(app, committed_db):
    """Even bypassing the attempt's own exactly-once claim, the database keeps one."""
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(committed_db, requires_review=False)
    for module in modules:
        make_attempt(committed_db, trainee, module)
    committed_db.commit()
    user_id, program_id = trainee.id, program.id

    def record(session: Session) -> None:
        services.record_completion(
            session,
            session.get(User, user_id),
            session.get(Program, program_id),
            settings=get_settings().issuer,
        )

    errors = _run_in_threads(app, record)
    assert all(isinstance(e, OperationalError) for e in errors), errors
    assert len(errors) < THREADS
    committed_db.expire_all()
    assert _counts(committed_db) == (1, 1)
