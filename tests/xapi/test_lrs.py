"""Statements reach a real LRS (Ralph on loopback), read back with GET /xAPI/statements;
an outage loses nothing and a resend duplicates nothing."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxStatus
from app.settings import get_settings
from app.xapi.models import XapiOutboxStatement
from app.xapi.sender import send_batch
from tests.quiz.helpers import key_of


def take_module(trainee, db_session, slug: str, right: bool = True) -> int:
    """Start, answer every item (right or not at all), submit; each response closed."""
    started = trainee.start(slug)
    assert started.status_code in (200, 201), started.json
    attempt = started.json
    started.close()
    for item in attempt["items"]:
        if right:
            saved = trainee.save(attempt["id"], item["id"], key_of(db_session, item["id"]), 0)
            assert saved.status_code == 200, saved.json
            saved.close()
    submitted = trainee.submit(attempt["id"])
    assert submitted.status_code == 200
    submitted.close()
    return int(attempt["id"])


def outbox_rows(db_session) -> list[XapiOutboxStatement]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(XapiOutboxStatement).order_by(XapiOutboxStatement.id)))


def test_without_an_endpoint_xapi_is_off_and_nothing_is_queued(app, bank, trainee, db_session):
    take_module(trainee, db_session, "score-exam")
    assert outbox_rows(db_session) == []


def test_a_taken_module_reaches_the_lrs_with_the_adl_verbs(app, bank, trainee, db_session, lrs):
    attempt_id = take_module(trainee, db_session, "score-exam")
    rows = outbox_rows(db_session)
    assert rows and all(row.status == OutboxStatus.SENT for row in rows)  # after each response
    stored = lrs.all_statements()
    assert sorted(s["id"] for s in stored) == sorted(row.statement_id for row in rows)
    verbs = Counter(s["verb"]["id"].rsplit("/", 1)[1] for s in stored)
    items = len(trainee.attempt(attempt_id).json["items"])
    assert verbs == {"attempted": 1, "answered": items, "completed": 1, "passed": 1}
    [passed] = [s for s in stored if s["verb"]["id"].endswith("/passed")]
    assert passed["result"]["success"] is True
    assert passed["result"]["score"]["scaled"] == 1.0
    assert passed["actor"]["account"]["name"] == str(trainee.user.id)
    answered = [s for s in stored if s["verb"]["id"].endswith("/answered")]
    assert all(s["result"]["response"] and s["result"]["success"] for s in answered)
    assert {s["context"]["registration"] for s in stored} == {passed["context"]["registration"]}


def test_a_failed_attempt_is_failed(app, bank, trainee, db_session, lrs):
    take_module(trainee, db_session, "score-exam", right=False)
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in lrs.all_statements()}
    assert "failed" in verbs and "passed" not in verbs


def test_an_lrs_outage_loses_nothing_and_duplicates_nothing(
    app, bank, trainee, db_session, lrs_down, runner, frozen_clock
):
    take_module(trainee, db_session, "score-exam")  # the LRS is down: every try fails
    rows = outbox_rows(db_session)
    assert rows and all(r.status == OutboxStatus.PENDING and r.attempts == 1 for r in rows)
    assert "ConnectionError" in rows[0].last_error

    lrs_down.start()
    frozen_clock.advance(minutes=2)  # past the first backoff
    half = [r.id for r in rows[: len(rows) // 2]]
    with app.app_context():
        report = send_batch(db.session, get_settings().xapi, half)
    assert sorted(report.sent) == half
    lrs_down.stop()  # down again mid-run, with the rest still to send

    take_module(trainee, db_session, "types-exam")  # new statements meet the dead LRS too
    result = runner.invoke(args=["xapi", "send"])
    assert "Sent 0" in result.output

    # A sender that died after the LRS stored a statement, before recording it: sent again.
    db_session.execute(
        sa.update(XapiOutboxStatement)
        .where(XapiOutboxStatement.id == half[0])
        .values(status=OutboxStatus.PENDING)
    )
    db_session.commit()

    lrs_down.start()
    frozen_clock.advance(hours=7)  # past any backoff
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 0 and "failed 0" in result.output
    rows = outbox_rows(db_session)
    assert all(r.status == OutboxStatus.SENT for r in rows)
    stored = [s["id"] for s in lrs_down.all_statements()]
    assert Counter(stored).most_common(1)[0][1] == 1  # zero duplicated
    assert sorted(stored) == sorted(r.statement_id for r in rows)  # zero lost


def test_a_certificate_is_earned(app, db_session, lrs, certified):
    with app.app_context():
        send_batch(db.session, get_settings().xapi)
    earned = [s for s in lrs.all_statements() if s["verb"]["id"].endswith("/earned")]
    assert len(earned) == 1
    assert earned[0]["object"]["id"].endswith(f"/certificate/{certified.certificate.id}")
    assert earned[0]["actor"]["account"]["name"] == str(certified.trainee.id)
