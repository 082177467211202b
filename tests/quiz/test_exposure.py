"""Kept exposure counts (``app/quiz/exposure.py``): equal to a recount over the attempt items
after concurrent starts, and read by a start in a lookup that does not touch the history."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.banks import models as bm
from app.quiz import exposure
from app.quiz.models import Attempt, AttemptItem, ExposureCount, ExposureKind, ItemExposure

pytestmark = pytest.mark.committed_db


def _recount(session) -> dict[tuple[str, int], int]:
    """(kind, item id) -> distinct trainees served it, counted over every attempt item."""
    out: dict[tuple[str, int], int] = {}
    for kind, column, version, join_on in (
        (
            "question",
            bm.QuestionVersion.question_id,
            bm.QuestionVersion,
            AttemptItem.question_version_id == bm.QuestionVersion.id,
        ),
        (
            "case",
            bm.CaseVersion.case_id,
            bm.CaseVersion,
            AttemptItem.case_version_id == bm.CaseVersion.id,
        ),
    ):
        rows = session.execute(
            sa.select(column, sa.func.count(sa.distinct(Attempt.user_id)))
            .select_from(AttemptItem)
            .join(version, join_on)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .group_by(column)
        ).all()
        out.update({(kind, item_id): n for item_id, n in rows})
    return out


def _kept(session) -> dict[tuple[str, int], int]:
    rows = session.execute(
        sa.select(ExposureCount.kind, ExposureCount.item_id, ExposureCount.trainees)
    ).all()
    return {(str(kind), item_id): n for kind, item_id, n in rows}


def _race(trainees, slugs) -> list[int]:
    """Each trainee starts each of ``slugs``, all in threads released together."""
    calls = [(t, slug) for t in trainees for slug in slugs]
    barrier = threading.Barrier(len(calls))

    def run(call) -> int:
        trainee, slug = call
        barrier.wait()
        return trainee.start(slug).status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_starts_keep_the_counts_a_recount_gives(bank, make_trainee, db_session):
    trainees = [make_trainee() for _ in range(6)]
    # Two of them start twice in a row before the race: a second serving is not a new trainee.
    for trainee in trainees[:2]:
        first = trainee.start("beta-exam")
        assert first.status_code == 201
        assert trainee.submit(first.json["id"]).status_code == 200
    statuses = _race(trainees, ["beta-exam", "case-exam", "types-exam"])
    # A trainee's starts of exams race each other ("an exam is open"): some are refused, and a
    # refused start must record nothing.
    assert statuses.count(201) >= len(trainees), statuses
    db_session.expire_all()
    recount = _recount(db_session)
    assert recount and any(kind == "case" for kind, _ in recount)
    assert _kept(db_session) == recount
    served = db_session.execute(
        sa.select(ItemExposure.kind, ItemExposure.item_id, sa.func.count()).group_by(
            ItemExposure.kind, ItemExposure.item_id
        )
    ).all()
    assert {(str(k), i): n for k, i, n in served} == recount


def test_tabs_racing_one_start_record_one_serving(bank, make_trainee, db_session):
    trainee = make_trainee()
    statuses = _race([trainee] * 8, ["beta-exam"])
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201}, statuses
    db_session.expire_all()
    kept = _kept(db_session)
    assert sorted(kept.values()) == [1, 1, 1]  # the three questions of the one attempt
    assert kept == _recount(db_session)


def test_the_draw_reads_what_this_trainee_saw_and_how_many_were_served(
    bank, make_trainee, db_session
):
    one, two = make_trainee(), make_trainee()
    for trainee in (one, two):
        started = trainee.start("beta-exam")
        assert started.status_code == 201
        assert trainee.submit(started.json["id"]).status_code == 200
    db_session.expire_all()
    served_one = set(
        db_session.scalars(
            sa.select(bm.QuestionVersion.question_id)
            .join(AttemptItem, AttemptItem.question_version_id == bm.QuestionVersion.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.user_id == one.user.id)
        )
    )
    pool = set(
        db_session.scalars(sa.select(bm.Question.id).join(bm.Topic).where(bm.Topic.slug == "beta"))
    )
    stats = exposure.stats(db_session, one.user.id, ExposureKind.QUESTION, pool)
    assert {q for q, (seen, _) in stats.items() if seen} == served_one
    recount = _recount(db_session)
    assert {q: n for q, (_, n) in stats.items()} == {
        q: n for (kind, q), n in recount.items() if kind == "question" and q in pool
    }
    # Never served: absent, i.e. unseen and 0.
    assert all(q in stats for (kind, q) in recount if kind == "question" and q in pool)
    assert exposure.stats(db_session, one.user.id, ExposureKind.QUESTION, set()) == {}


def test_rebuild_recounts_from_the_attempt_items(bank, make_trainee, db_session):
    for trainee in (make_trainee(), make_trainee(), make_trainee()):
        for slug in ("beta-exam", "case-exam"):
            started = trainee.start(slug)
            assert started.status_code == 201
            assert trainee.submit(started.json["id"]).status_code == 200
    db_session.expire_all()
    before = _kept(db_session)
    db_session.execute(sa.delete(ExposureCount))  # lost, or never written (a seeded copy)
    db_session.execute(sa.delete(ItemExposure))
    db_session.commit()
    exposure.rebuild(db_session)
    db_session.commit()
    assert _kept(db_session) == before == _recount(db_session)


def test_a_start_reads_no_attempt_item_of_anyone_else(bank, make_trainee, count_queries):
    """The draw's exposure lookup is bounded by the pool: no statement of a start reads the
    attempt items of earlier attempts (the history), whatever the module's past."""
    for _ in range(3):
        trainee = make_trainee()
        started = trainee.start("case-exam")
        assert started.status_code == 201
        assert trainee.submit(started.json["id"]).status_code == 200
    trainee = make_trainee()
    with count_queries() as q:
        assert trainee.start("case-exam").status_code == 201
    reads = [s for s in q.statements if s.lstrip().upper().startswith("SELECT")]
    assert reads
    # The new attempt's own items are read back (by its id); nothing else of the table.
    own = ("WHERE attempt_items.attempt_id = ", "WHERE attempt_items.attempt_id IN")
    history = [s for s in reads if "attempt_items" in s and not any(w in s for w in own)]
    assert history == []
    assert any("exposure_counts" in s for s in reads)
