"""Accommodations (time factor, extra attempts) and deadline extensions, through the commands
``flask users accommodate`` and ``flask attempts extend`` and the trainee's API.

Contract (issue 13): ``users accommodate --email E --time-factor 1.5 --reason …`` gives the
trainee's next timed attempt through ``POST /api/v1/modules/{slug}/attempts`` a deadline of
1.5 × the time limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import Accommodation
from app.mail.models import OutboxMessage
from app.quiz.models import Attempt, AttemptExtension, AttemptStatus
from tests.quiz.helpers import key_of

pytestmark = pytest.mark.usefixtures("bank")

TIME_LIMIT = timedelta(minutes=30)  # the test bank's timed-exam
GRACE = timedelta(seconds=60)


def accommodate(runner, email: str, *options: str):
    return runner.invoke(args=["users", "accommodate", "--email", email, *options])


def extend(runner, attempt_id: int, minutes: str, reason: str = "Fire alarm in the centre"):
    return runner.invoke(
        args=[
            "attempts",
            "extend",
            "--attempt",
            str(attempt_id),
            "--minutes",
            minutes,
            "--reason",
            reason,
        ]
    )


def deadline_of(body) -> datetime:
    return datetime.fromisoformat(body["deadline"])


def counts(db_session) -> tuple[int, int, int, int]:
    """Rows of accommodations, extensions, audit events and outbox messages."""
    db_session.expire_all()
    return tuple(  # type: ignore[return-value]
        db_session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Accommodation, AttemptExtension, AuditEvent, OutboxMessage)
    )


def row(db_session, attempt_id: int) -> Attempt:
    attempt = db_session.get(Attempt, attempt_id)
    db_session.refresh(attempt)
    return attempt


# ---------------------------------------------------------------- the contract


def test_the_contract_a_time_factor_gives_the_next_timed_attempt_1_5_times_the_limit(
    runner, trainee, frozen_clock
):
    result = accommodate(
        runner, trainee.user.email, "--time-factor", "1.5", "--reason", "Dyslexia (report on file)"
    )
    assert result.exit_code == 0, result.output
    assert "time factor 1.5" in result.output
    started = trainee.start("timed-exam")
    assert started.status_code == 201
    assert deadline_of(started.json) == frozen_clock.now + 1.5 * TIME_LIMIT
    assert deadline_of(trainee.attempt(started.json["id"]).json) == frozen_clock.now + timedelta(
        minutes=45
    )


def test_without_an_accommodation_the_deadline_is_the_time_limit(trainee, frozen_clock):
    started = trainee.start("timed-exam").json
    assert deadline_of(started) == frozen_clock.now + TIME_LIMIT


def test_the_factor_applies_to_the_trainee_only_and_not_to_an_attempt_already_open(
    runner, make_trainee, frozen_clock
):
    alice, bob = make_trainee(), make_trainee()
    open_before = alice.start("timed-exam").json
    granted = accommodate(runner, alice.user.email, "--time-factor", "2", "--reason", "x")
    assert granted.exit_code == 0
    resumed = alice.start("timed-exam")
    assert resumed.status_code == 200 and resumed.json["id"] == open_before["id"]
    assert deadline_of(resumed.json) == frozen_clock.now + TIME_LIMIT
    assert deadline_of(bob.start("timed-exam").json) == frozen_clock.now + TIME_LIMIT


def test_a_grant_is_recorded_audited_and_mailed_and_a_new_one_supersedes_it(
    runner, trainee, db_session
):
    email = trainee.user.email
    assert accommodate(runner, email, "--time-factor", "1.5", "--reason", "Dyslexia").exit_code == 0
    second = accommodate(runner, email, "--extra-attempts", "2", "--reason", "Second review")
    assert second.exit_code == 0, second.output
    rows = db_session.scalars(
        sa.select(Accommodation)
        .where(Accommodation.user_id == trainee.user.id)
        .order_by(Accommodation.id)
    ).all()
    # History kept; the option left out (--time-factor) keeps its value.
    assert [(r.time_factor, r.extra_attempts, r.reason) for r in rows] == [
        (1.5, 0, "Dyslexia"),
        (1.5, 2, "Second review"),
    ]
    events = db_session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.accommodation_granted")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.subject_id for e in events] == [str(trainee.user.id)] * 2
    assert events[0].details["before"] == {"time_factor": 1.0, "extra_attempts": 0}
    assert events[0].details["after"] == {"time_factor": 1.5, "extra_attempts": 0}
    assert events[1].details["before"] == {"time_factor": 1.5, "extra_attempts": 0}
    assert events[1].details["after"] == {"time_factor": 1.5, "extra_attempts": 2}
    assert events[1].details["reason"] == "Second review"
    mails = db_session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.template == "accommodation_granted")
        .order_by(OutboxMessage.id)
    ).all()
    assert [m.to_addr for m in mails] == [email, email]
    assert "1.5 times its time limit" in mails[0].text_body
    assert "1.5 times its time limit" in mails[0].html_body
    assert "2 more attempts" in mails[1].text_body
    assert "Dyslexia" not in mails[0].text_body + mails[0].html_body  # the reason is not mailed


# ---------------------------------------------------------------- extra attempts


def test_extra_attempts_raise_the_attempt_limit_for_that_trainee(
    runner, make_trainee, frozen_clock
):
    alice, bob = make_trainee(), make_trainee()
    assert (
        accommodate(
            runner, alice.user.email, "--extra-attempts", "1", "--reason", "Illness on exam day"
        ).exit_code
        == 0
    )
    for _ in range(2):
        for t in (alice, bob):
            t.submit(t.start("limited-exam").json["id"])
        frozen_clock.advance(hours=25)
    modules = {m["slug"]: m for m in alice.get("/api/v1/modules").json}
    assert modules["limited-exam"]["attempt_limit"] == 3
    assert modules["limited-exam"]["attempts_left"] == 1
    third = alice.start("limited-exam")
    assert third.status_code == 201 and third.json["attempt_no"] == 3
    refused = bob.start("limited-exam")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "attempt_limit_reached"
    alice.submit(third.json["id"])
    frozen_clock.advance(hours=25)
    fourth = alice.start("limited-exam")
    assert fourth.json["error"]["code"] == "attempt_limit_reached"
    assert "all 3 attempts" in fourth.json["error"]["message"]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "exit_code", "message"),
    [
        (["--time-factor", "5", "--reason", "r"], 1, "from 1 to 4"),
        (["--time-factor", "0.5", "--reason", "r"], 1, "from 1 to 4"),
        (["--time-factor", "nan", "--reason", "r"], 1, "from 1 to 4"),
        (["--time-factor", "abc", "--reason", "r"], 2, "abc"),
        (["--extra-attempts", "11", "--reason", "r"], 1, "from 0 to 10"),
        (["--extra-attempts", "-1", "--reason", "r"], 1, "from 0 to 10"),
        (["--time-factor", "1.5", "--reason", "   "], 1, "reason"),
        (["--time-factor", "1.5", "--reason", "x" * 501], 1, "500"),
        (["--time-factor", "1.5"], 2, "--reason"),
        (["--reason", "r"], 2, "--time-factor"),
    ],
)
def test_bad_accommodation_arguments_fail_clearly_and_change_nothing(
    runner, trainee, db_session, options, exit_code, message
):
    before = counts(db_session)
    result = accommodate(runner, trainee.user.email, *options)
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert counts(db_session) == before


def test_accommodating_an_unknown_address_or_a_non_trainee_fails(runner, make_trainee, db_session):
    instructor = make_trainee("instructor")
    before = counts(db_session)
    unknown = accommodate(runner, "nobody@example.org", "--time-factor", "1.5", "--reason", "r")
    assert unknown.exit_code == 1 and "no user" in unknown.output
    staff = accommodate(runner, instructor.user.email, "--time-factor", "1.5", "--reason", "r")
    assert staff.exit_code == 1 and "for trainees" in staff.output
    assert counts(db_session) == before


# ---------------------------------------------------------------- extensions


def test_an_extension_moves_the_deadline_of_that_attempt_only(
    runner, make_trainee, db_session, frozen_clock
):
    alice, bob = make_trainee(), make_trainee()
    a = alice.start("timed-exam").json
    b = bob.start("timed-exam").json
    frozen_clock.advance(minutes=20)
    result = extend(runner, a["id"], "15")
    assert result.exit_code == 0, result.output
    assert deadline_of(alice.attempt(a["id"]).json) == deadline_of(a) + timedelta(minutes=15)
    assert deadline_of(bob.attempt(b["id"]).json) == deadline_of(b)
    rows = db_session.scalars(sa.select(AttemptExtension)).all()
    assert [(r.attempt_id, r.minutes, r.deadline_before, r.deadline_after) for r in rows] == [
        (a["id"], 15, deadline_of(a), deadline_of(a) + timedelta(minutes=15))
    ]
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "attempt.deadline_extended")
    )
    assert event.subject_type == "attempt" and event.subject_id == str(a["id"])
    assert event.details["minutes"] == 15
    assert event.details["reason"] == "Fire alarm in the centre"
    assert event.details["before"] == deadline_of(a).isoformat()
    assert event.details["after"] == (deadline_of(a) + timedelta(minutes=15)).isoformat()


def test_save_after_the_original_deadline_works_until_the_extended_one(
    runner, trainee, db_session, frozen_clock
):
    attempt = trainee.start("timed-exam").json
    item = next(i for i in attempt["items"] if i["type"] == "numeric")
    original = deadline_of(attempt)
    assert extend(runner, attempt["id"], "10").exit_code == 0
    frozen_clock.set(original + GRACE + timedelta(minutes=5))
    saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
    assert saved.status_code == 200, saved.json
    frozen_clock.set(original + timedelta(minutes=10) + GRACE + timedelta(seconds=1))
    refused = trainee.save(attempt["id"], item["id"], {"value": 99}, 1)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "deadline_passed"
    closed = row(db_session, attempt["id"])
    assert closed.status == AttemptStatus.EXPIRED
    assert closed.submitted_at == original + timedelta(minutes=10)
    assert closed.score == 1.0  # the save made in the extended time counts


def test_close_expired_and_submit_use_the_extended_deadline(runner, make_trainee, frozen_clock):
    alice, bob = make_trainee(), make_trainee()
    a = alice.start("timed-exam").json
    b = bob.start("timed-exam").json
    assert extend(runner, a["id"], "30").exit_code == 0
    frozen_clock.set(deadline_of(b) + GRACE + timedelta(minutes=1))
    closed = runner.invoke(args=["attempts", "close-expired"])
    assert "closed 1 expired" in closed.output
    assert alice.attempt(a["id"]).json["status"] == "in_progress"
    assert bob.attempt(b["id"]).json["status"] == "expired"
    submitted = alice.submit(a["id"])
    assert submitted.status_code == 200
    assert submitted.json["status"] == "submitted"


def test_a_time_factor_and_an_extension_add_up(runner, trainee, frozen_clock):
    assert (
        accommodate(runner, trainee.user.email, "--time-factor", "1.5", "--reason", "r").exit_code
        == 0
    )
    attempt = trainee.start("timed-exam").json
    assert extend(runner, attempt["id"], "10").exit_code == 0
    view = trainee.attempt(attempt["id"]).json
    assert deadline_of(view) == frozen_clock.now + timedelta(minutes=45 + 10)


@pytest.mark.parametrize(
    ("minutes", "reason", "message"),
    [
        ("0", "r", "from 1 to 480"),
        ("481", "r", "from 1 to 480"),
        ("10", "  ", "reason"),
    ],
)
def test_bad_extension_arguments_fail_clearly_and_change_nothing(
    runner, trainee, db_session, minutes, reason, message
):
    attempt = trainee.start("timed-exam").json
    before = counts(db_session)
    result = extend(runner, attempt["id"], minutes, reason)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert counts(db_session) == before
    assert deadline_of(trainee.attempt(attempt["id"]).json) == deadline_of(attempt)


def test_only_an_open_timed_attempt_in_time_can_be_extended(
    runner, make_trainee, db_session, frozen_clock
):
    alice = make_trainee()
    untimed = alice.start("limited-exam").json
    timed = alice.start("timed-exam").json
    before = counts(db_session)
    assert "no time limit" in extend(runner, untimed["id"], "10").output
    assert "No such attempt" in extend(runner, 999_999, "10").output
    frozen_clock.set(deadline_of(timed) + GRACE + timedelta(seconds=1))
    late = extend(runner, timed["id"], "10")
    assert late.exit_code == 1 and "run out" in late.output
    alice.submit(untimed["id"])
    closed = extend(runner, untimed["id"], "10")
    assert closed.exit_code == 1 and "closed" in closed.output
    assert counts(db_session)[:2] == before[:2]  # (the submit wrote its own audit event)
    assert row(db_session, timed["id"]).deadline == deadline_of(timed)
