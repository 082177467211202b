"""The save of an item a worker has seen is one conditional UPDATE (issue 19), and it refuses
exactly what the full path refuses: the first save reads the item, the next ones do not."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.quiz import shapes
from app.quiz.models import Attempt, AttemptItem
from tests.quiz.helpers import key_of


def _started(trainee, slug="types-exam"):
    attempt = trainee.start(slug).json
    item = next(i for i in attempt["items"] if i["type"] == "single_choice")
    return attempt, item


def _quiz_statements(statements: list[str]) -> list[str]:
    """The statements that read or write attempts (the user's token or session is not one)."""
    return [s for s in statements if "attempt" in s.lower()]


def test_the_second_save_of_an_item_is_one_update(bank, trainee, db_session, count_queries):
    attempt, item = _started(trainee)
    shapes.forget_all()  # the save reaches a worker that neither started nor showed the attempt
    answer = key_of(db_session, item["id"])
    with count_queries() as first:
        assert trainee.save(attempt["id"], item["id"], None, 0).status_code == 200
    assert shapes.get(item["id"]) is not None
    with count_queries() as second:
        saved = trainee.save(attempt["id"], item["id"], answer, 1)
    assert saved.status_code == 200 and saved.json["seq"] == 2
    [update] = _quiz_statements(second.statements)
    assert update.lstrip().upper().startswith("UPDATE ATTEMPT_ITEMS")
    assert len(_quiz_statements(first.statements)) > 1  # the full path: read, then write
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert (row.seq, row.response is not None) == (2, True)
    assert trainee.submit(attempt["id"]).json["score"] == 1.0  # the answer was graded


@pytest.mark.parametrize("learned_from", ["start", "page"])
def test_a_worker_that_started_or_showed_the_attempt_saves_its_items_in_one_update(
    bank, trainee, db_session, count_queries, learned_from
):
    attempt, item = _started(trainee)
    if learned_from == "page":  # another worker showed it: this one forgot the start
        shapes.forget_all()
        assert trainee.attempt(attempt["id"]).status_code == 200
    known = shapes.get(item["id"])
    assert known is not None and (known.attempt_id, known.items) == (attempt["id"], 9)
    answer = key_of(db_session, item["id"])
    with count_queries() as first:
        saved = trainee.save(attempt["id"], item["id"], answer, 0)
    assert saved.status_code == 200 and saved.json["seq"] == 1
    [update] = _quiz_statements(first.statements)
    assert update.lstrip().upper().startswith("UPDATE ATTEMPT_ITEMS")
    assert trainee.submit(attempt["id"]).json["score"] == 1.0  # the answer was graded


def test_a_closed_attempt_teaches_no_shapes(bank, trainee):
    attempt, item = _started(trainee)
    trainee.submit(attempt["id"])
    shapes.forget_all()
    assert trainee.attempt(attempt["id"]).status_code == 200
    assert shapes.get(item["id"]) is None


def test_a_stale_seq_is_refused_and_a_replay_acknowledged(bank, trainee, db_session):
    attempt, item = _started(trainee)
    answer = key_of(db_session, item["id"])
    trainee.save(attempt["id"], item["id"], None, 0)
    assert trainee.save(attempt["id"], item["id"], answer, 1).json["seq"] == 2
    replay = trainee.save(attempt["id"], item["id"], answer, 1)  # a retry of the last save
    assert replay.status_code == 200 and replay.json["seq"] == 2
    stale = trainee.save(attempt["id"], item["id"], None, 0)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_save"
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.seq == 2 and row.response is not None


def test_another_trainee_cannot_save_into_a_known_item(bank, make_trainee, db_session):
    owner, other = make_trainee(), make_trainee()
    attempt, item = _started(owner)
    owner.save(attempt["id"], item["id"], None, 0)  # the worker now knows the item
    refused = other.save(attempt["id"], item["id"], None, 1)
    assert refused.status_code == 404
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.seq == 1


def test_a_known_item_of_a_closed_attempt_is_refused(bank, trainee, db_session):
    attempt, item = _started(trainee)
    trainee.save(attempt["id"], item["id"], None, 0)
    trainee.submit(attempt["id"])
    refused = trainee.save(attempt["id"], item["id"], None, 1)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "attempt_closed"


def test_a_known_item_after_the_deadline_and_grace_is_refused(
    bank, trainee, db_session, frozen_clock
):
    attempt, item = _started(trainee, "timed-exam")
    assert trainee.save(attempt["id"], item["id"], None, 0).status_code == 200
    row = db_session.get(Attempt, attempt["id"])
    db_session.refresh(row)
    frozen_clock.set(row.deadline + timedelta(seconds=30))  # within the grace: still saved
    assert trainee.save(attempt["id"], item["id"], None, 1).status_code == 200
    frozen_clock.set(row.deadline + timedelta(seconds=61))
    late = trainee.save(attempt["id"], item["id"], None, 2)
    assert late.status_code == 409 and late.json["error"]["code"] == "deadline_passed"
    db_session.refresh(row)
    assert row.submitted_at == row.deadline  # graded on what was saved in time


@pytest.mark.parametrize("response", [{"choice": ["nope"]}, ["a"], {"choice": "x" * 5000}])
def test_a_malformed_answer_to_a_known_item_changes_nothing(bank, trainee, db_session, response):
    attempt, item = _started(trainee)
    trainee.save(attempt["id"], item["id"], None, 0)
    refused = trainee.save(attempt["id"], item["id"], response, 1)
    assert refused.status_code == 400
    row = db_session.get(AttemptItem, item["id"])
    db_session.refresh(row)
    assert row.seq == 1 and row.response is None


def test_clearing_a_known_item_stores_sql_null_and_the_flag(bank, trainee, db_session):
    """The one-statement save binds its values: a cleared answer is SQL NULL (what "answered"
    counts test), not JSON ``null``; a flag sent with it is written too."""
    attempt, item = _started(trainee)
    answer = key_of(db_session, item["id"])
    assert trainee.save(attempt["id"], item["id"], answer, 0).status_code == 200
    assert shapes.get(item["id"]) is not None
    cleared = trainee.save(attempt["id"], item["id"], None, 1, flagged=True)
    assert cleared.status_code == 200 and cleared.json["seq"] == 2
    response_is_null, flagged = db_session.execute(
        sa.select(AttemptItem.response.is_(None), AttemptItem.flagged).where(
            AttemptItem.id == item["id"]
        )
    ).one()
    assert (bool(response_is_null), flagged) == (True, True)
