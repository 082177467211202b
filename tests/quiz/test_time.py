"""Time: the server's deadline, the grace period, expired attempts graded on what was saved."""

from __future__ import annotations

from datetime import timedelta

from app.quiz.models import Attempt, AttemptStatus
from app.siteconfig import services as siteconfig
from tests.quiz.helpers import key_of


def _start_timed(trainee, db_session, frozen_clock):
    attempt = trainee.start("timed-exam").json
    deadline = frozen_clock.now + timedelta(minutes=30)
    item = next(i for i in attempt["items"] if i["type"] == "numeric")
    saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    assert saved.status_code == 200
    return attempt, item, deadline


def _row(db_session, attempt_id):
    row = db_session.get(Attempt, attempt_id)
    db_session.refresh(row)
    return row


def test_save_is_accepted_one_second_before_the_grace_ends(bank, trainee, db_session, frozen_clock):
    attempt, item, deadline = _start_timed(trainee, db_session, frozen_clock)
    frozen_clock.set(deadline + timedelta(seconds=59))
    late_but_fine = trainee.save(attempt["id"], item["id"], {"value": 19}, 1)
    assert late_but_fine.status_code == 200
    assert late_but_fine.json["seq"] == 2


def test_late_save_is_refused_after_grace_and_the_attempt_is_graded_at_its_deadline(
    bank, trainee, db_session, frozen_clock
):
    attempt, item, deadline = _start_timed(trainee, db_session, frozen_clock)
    frozen_clock.set(deadline + timedelta(seconds=61))
    refused = trainee.save(attempt["id"], item["id"], {"value": 99}, 1)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "deadline_passed"
    assert "not saved" in refused.json["error"]["message"]
    row = _row(db_session, attempt["id"])
    assert row.status == AttemptStatus.EXPIRED
    assert row.submitted_at == deadline
    assert row.score == 1.0  # the answer saved in time counts, the late one does not
    again = trainee.save(attempt["id"], item["id"], {"value": 99}, 1)
    assert again.json["error"]["code"] == "attempt_closed"


def test_grace_period_is_configurable(app, bank, trainee, db_session, frozen_clock):
    attempt, item, deadline = _start_timed(trainee, db_session, frozen_clock)
    app.config["ATTEMPT_GRACE_SECONDS"] = 5
    try:
        frozen_clock.set(deadline + timedelta(seconds=6))
        refused = trainee.save(attempt["id"], item["id"], {"value": 19}, 1)
    finally:
        app.config["ATTEMPT_GRACE_SECONDS"] = 60
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "deadline_passed"


def test_expired_attempt_is_graded_on_next_access_with_submitted_at_the_deadline(
    bank, trainee, db_session, frozen_clock
):
    attempt, _, deadline = _start_timed(trainee, db_session, frozen_clock)
    frozen_clock.set(deadline + timedelta(hours=3))
    view = trainee.attempt(attempt["id"])
    assert view.status_code == 200
    assert view.json["status"] == "expired"
    assert view.json["submitted_at"].startswith(deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    assert view.json["result"]["score"] == 1.0
    row = _row(db_session, attempt["id"])
    assert row.submitted_at == deadline and row.score == 1.0


def test_starting_again_after_expiry_closes_the_old_attempt_first(
    bank, trainee, db_session, frozen_clock
):
    attempt, _, deadline = _start_timed(trainee, db_session, frozen_clock)
    frozen_clock.set(deadline + timedelta(minutes=5))
    fresh = trainee.start("timed-exam")
    assert fresh.status_code == 201
    assert fresh.json["id"] != attempt["id"]
    assert _row(db_session, attempt["id"]).status == AttemptStatus.EXPIRED


def test_submit_after_grace_is_recorded_at_the_deadline(bank, trainee, db_session, frozen_clock):
    attempt, _, deadline = _start_timed(trainee, db_session, frozen_clock)
    frozen_clock.set(deadline + timedelta(minutes=2))
    result = trainee.submit(attempt["id"])
    assert result.status_code == 200
    assert result.json["status"] == "expired"
    assert _row(db_session, attempt["id"]).submitted_at == deadline


def test_close_expired_command_grades_overdue_attempts_only(
    bank, make_trainee, db_session, frozen_clock, runner
):
    late, punctual = make_trainee(), make_trainee()
    overdue, _, deadline = _start_timed(late, db_session, frozen_clock)
    frozen_clock.advance(minutes=20)
    running = punctual.start("timed-exam").json
    frozen_clock.set(deadline + timedelta(seconds=61))
    result = runner.invoke(args=["attempts", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "closed 1 expired attempt" in result.output
    row = _row(db_session, overdue["id"])
    assert row.status == AttemptStatus.EXPIRED
    assert row.submitted_at == deadline
    assert row.score == 1.0
    assert _row(db_session, running["id"]).status == AttemptStatus.IN_PROGRESS
    again = runner.invoke(args=["attempts", "close-expired"])
    assert "closed 0 expired attempt" in again.output


def test_the_grace_an_administrator_stores_sets_the_server_side_deadline(
    bank, trainee, db_session, frozen_clock
):
    attempt, item, deadline = _start_timed(trainee, db_session, frozen_clock)
    siteconfig.set_value(db_session, None, "attempt_grace_seconds", 300)  # the environment: 60
    db_session.commit()
    frozen_clock.set(deadline + timedelta(seconds=240))
    accepted = trainee.save(attempt["id"], item["id"], {"value": 19}, 1)
    assert accepted.status_code == 200
    assert trainee.attempt(attempt["id"]).json["grace_seconds"] == 300
    siteconfig.set_value(db_session, None, "attempt_grace_seconds", 5)
    db_session.commit()
    frozen_clock.set(deadline + timedelta(seconds=6))  # inside the environment's 60 s
    refused = trainee.save(attempt["id"], item["id"], {"value": 20}, 2)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "deadline_passed"
    assert _row(db_session, attempt["id"]).status == AttemptStatus.EXPIRED
