"""OSCE: four-eyes stations, marks with a sequence number, two examiners, final results."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth.models import User
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.practical import osce
from app.practical.models import OsceMarking, OscePerformance
from tests import factories

CHECKLIST = (
    "hygiene | Performs hand hygiene | 2\n"
    "landmarks | Palpates landmarks | 3\n"
    "count | Reconciles the needle count | 5"
)
CRITICAL = "no_barrier | Needles toward the pleura without a barrier technique"


def make_station(session: Session, author: User, approver: User, slug: str = "thorax-barrier"):
    station = osce.create_station(
        session,
        author,
        osce.StationInput(
            slug=slug,
            title="Thorax: barrier technique",
            task="Needle the rhomboids safely.",
            region="thoracic",
            checklist=osce.parse_items(CHECKLIST, "checklist", True),
            critical_errors=osce.parse_items(CRITICAL, "critical errors", False),
            global_scale=5,
            pass_percent=70,
            min_global=3,
        ),
    )
    osce.submit_station(session, author, station.id)
    osce.approve_station(session, approver, station.id)
    return station


def marks(seq: int, done=("hygiene", "landmarks", "count"), critical=(), rating=4) -> dict:
    return {
        "seq": seq,
        "marks": dict.fromkeys(done, True),
        "critical": list(critical),
        "global_rating": rating,
    }


@pytest.fixture
def people(db_session):
    author = factories.make_user("instructor")
    approver = factories.make_user("instructor")
    candidate = factories.make_user("trainee")
    return author, approver, candidate


def test_the_author_cannot_approve_their_own_station(db_session, people):
    author, _, _ = people
    station = osce.create_station(
        db_session,
        author,
        osce.StationInput(
            "hygiene", "Hygiene", "", None, osce.parse_items(CHECKLIST, "c", True), [], 5, 70, 3
        ),
    )
    osce.submit_station(db_session, author, station.id)
    with pytest.raises(Forbidden):
        osce.approve_station(db_session, author, station.id)


def test_a_critical_error_fails_the_performance_whatever_the_score(db_session, people):
    author, approver, candidate = people
    station = make_station(db_session, author, approver)
    performance = osce.start_performance(db_session, author, station, candidate, 2)
    osce.submit_marking(db_session, author, performance.id, marks(1))
    osce.submit_marking(db_session, approver, performance.id, marks(1, critical=["no_barrier"]))
    db_session.refresh(performance)
    assert performance.finalised_at is not None
    assert performance.percent == 100.0 and performance.passed is False


def test_results_are_final_only_once_both_examiners_submitted(db_session, people):
    author, approver, candidate = people
    station = make_station(db_session, author, approver)
    performance = osce.start_performance(db_session, author, station, candidate, 2)
    osce.submit_marking(db_session, author, performance.id, marks(1))
    db_session.refresh(performance)
    assert performance.finalised_at is None and performance.passed is None
    osce.submit_marking(db_session, approver, performance.id, marks(1, done=("hygiene", "count")))
    db_session.refresh(performance)
    assert performance.passed is True and performance.percent == 85.0
    with pytest.raises(Conflict):
        osce.save_marks(db_session, author, performance.id, marks(2))
    third = factories.make_user("instructor")
    with pytest.raises(Conflict):
        osce.save_marks(db_session, third, performance.id, marks(1))


def test_the_candidate_cannot_mark_themself(db_session, people):
    author, approver, _ = people
    station = make_station(db_session, author, approver)
    candidate = factories.make_user("trainee")
    performance = osce.start_performance(db_session, author, station, candidate, 1)
    with pytest.raises((Forbidden, NotFound)):
        osce.save_marks(db_session, candidate, performance.id, marks(1))


def test_marks_made_offline_arrive_once(client, db_session, people, login_as):
    """The page resends queued saves when back online: a seq already stored changes nothing."""
    author, approver, candidate = people
    station = make_station(db_session, author, approver)
    performance = osce.start_performance(db_session, author, station, candidate, 1)
    db_session.commit()
    examiner = login_as("instructor")
    page = client.get(f"/practical/performances/{performance.id}/mark")
    assert page.status_code == 200
    from tests.conftest import csrf_token_from

    headers = {"X-CSRFToken": csrf_token_from(page.get_data(as_text=True))}
    url = f"/practical/performances/{performance.id}/marks"
    first = client.post(url, json=marks(1, done=("hygiene",)), headers=headers)
    second = client.post(url, json=marks(2, done=("hygiene", "count")), headers=headers)
    assert first.json == {"seq": 1, "applied": True, "submitted": False}
    assert second.json["applied"] is True
    # The offline queue flushes again: both saves arrive a second time, out of order.
    replay_2 = client.post(url, json=marks(2, done=("hygiene", "count")), headers=headers)
    replay_1 = client.post(url, json=marks(1, done=("hygiene",)), headers=headers)
    assert replay_2.json["applied"] is False and replay_1.json["applied"] is False
    row = db_session.scalars(
        sa.select(OsceMarking).where(OsceMarking.examiner_id == examiner.id)
    ).one()
    db_session.refresh(row)
    assert row.seq == 2 and row.marks == {"hygiene": True, "count": True}
    done = client.post(
        f"/practical/performances/{performance.id}/submit", json=marks(2), headers=headers
    )
    assert done.status_code == 200 and done.json["final"] is True and done.json["result"] is True


def test_bad_marks_name_the_field(db_session, people):
    author, approver, candidate = people
    station = make_station(db_session, author, approver)
    performance = osce.start_performance(db_session, author, station, candidate, 1)
    for body, field in (
        ({"seq": "1"}, "seq"),
        ({"seq": 1, "marks": {"juggling": True}}, "marks"),
        ({"seq": 1, "critical": ["nope"]}, "critical"),
        ({"seq": 1, "global_rating": 9}, "global_rating"),
    ):
        with pytest.raises(Exception, match=field):
            osce.save_marks(db_session, author, performance.id, body)


def _in_thread(app, work, barrier, errors) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            for attempt in range(20):
                session = Session(bind=db.engine, expire_on_commit=False)
                try:
                    work(session)
                    session.commit()
                    return
                except OperationalError:  # SQLite "database is locked": retry
                    session.rollback()
                    time.sleep(0.05 * (attempt + 1))
                except BaseException as exc:
                    session.rollback()
                    errors.append(exc)
                    return
                finally:
                    session.close()
            errors.append(RuntimeError("still locked"))

    return threading.Thread(target=run)


@pytest.mark.timeout(300)
def test_two_examiners_marking_concurrently_both_land(app, committed_db):
    author = factories.make_user("instructor")
    approver = factories.make_user("instructor")
    candidate = factories.make_user("trainee")
    station = make_station(committed_db, author, approver)
    performance = osce.start_performance(committed_db, author, station, candidate, 2)
    committed_db.commit()
    ids, perf_id = (author.id, approver.id), performance.id
    barrier, errors = threading.Barrier(2), []

    def examiner_work(user_id: int):
        def work(session: Session) -> None:
            user = session.get(User, user_id)
            for seq in range(1, 4):
                osce.save_marks(session, user, perf_id, marks(seq))
            osce.submit_marking(session, user, perf_id, marks(3))

        return work

    threads = [_in_thread(app, examiner_work(i), barrier, errors) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    committed_db.expire_all()
    rows = committed_db.scalars(
        sa.select(OsceMarking).where(OsceMarking.performance_id == perf_id)
    ).all()
    assert sorted(r.examiner_id for r in rows) == sorted(ids)
    assert all(r.seq == 3 and r.submitted_at is not None for r in rows)
    final = committed_db.get(OscePerformance, perf_id)
    assert final.finalised_at is not None and final.passed is True
