"""The regrade service: a dry run changes nothing; applying changes exactly what it listed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.banks.models import Question
from app.certificates.models import Certificate, Completion, CompletionStatus
from app.errors import ValidationFailed
from app.mail.models import OutboxMessage
from app.quiz.models import Attempt
from app.regrade import plan as p
from app.regrade import services
from app.settings import get_settings
from tests.regrade.conftest import MAIL
from tests.rowcounts import table_rows


def _apply(app, db_session, key="reg-q1", **kw):
    with app.app_context():
        plan = services.apply_regrade(
            db_session, None, key, settings=get_settings().issuer, mail=MAIL, **kw
        )
        db_session.commit()
        return plan


def test_the_served_version_is_not_the_current_one(world, db_session):
    question = db_session.scalar(sa.select(Question).where(Question.key == "reg-q1"))
    assert question.current_version.version_no == 2
    attempt = db_session.get(Attempt, world.attempts["certified"].id)
    assert attempt.passed is True and attempt.percent == 100.0


def test_the_dry_run_lists_before_and_after_per_attempt_and_completion(app, world, db_session):
    with app.app_context():
        plan = services.plan_regrade(db_session, "reg-q1")
    assert plan.question == "reg-q1" and plan.version_no == 2
    assert plan.checked == 3 and plan.open_attempts == 1
    by_user = {a.user_id: a for a in plan.attempts}
    assert set(by_user) == {world.certified.id, world.newly.id, world.lower.id}
    certified, newly, lower = (by_user[u.id] for u in (world.certified, world.newly, world.lower))
    assert (certified.score_before, certified.score_after) == (2.0, 1.0)
    assert (certified.passed_before, certified.passed_after) == (True, False)
    assert (newly.percent_before, newly.percent_after) == (50.0, 100.0)
    assert (newly.passed_before, newly.passed_after) == (False, True)
    assert (lower.score_before, lower.score_after, lower.passed_after) == (1.0, 0.0, False)
    assert [len(a.items) for a in plan.attempts] == [1, 1, 1]
    completions = {c.user_id: c for c in plan.completions}
    assert set(completions) == {world.certified.id, world.newly.id}
    flag = completions[world.certified.id]
    assert (flag.completion_id, flag.action, flag.certificate) == (
        world.completion.id, p.FLAG, world.certificate.serial,
    )  # fmt: skip
    assert (flag.eligible_before, flag.eligible_after) == (True, False)
    record = completions[world.newly.id]
    assert (record.completion_id, record.action, record.eligible_after) == (None, p.RECORD, True)
    assert record.attempt_id == world.attempts["newly"].id


def test_a_dry_run_changes_no_row_of_any_table(app, world, db_session):
    before = table_rows(db_session)
    with app.app_context():
        services.plan_regrade(db_session, "reg-q1")
        db_session.flush()
    db_session.rollback()
    assert table_rows(db_session) == before


def _diff(before, after):
    """table -> (rows only before, rows only after), for the tables that changed."""
    out = {}
    for name in before:
        gone = [r for r in before[name] if r not in after[name]]
        new = [r for r in after[name] if r not in before[name]]
        if gone or new:
            out[name] = (gone, new)
    return out


def test_applying_changes_exactly_what_the_dry_run_listed(app, world, db_session):
    with app.app_context():
        dry = services.plan_regrade(db_session, "reg-q1")
    db_session.rollback()
    before = table_rows(db_session)
    applied = _apply(app, db_session)
    assert applied == dry
    diff = _diff(before, table_rows(db_session))
    assert set(diff) == {"attempts", "attempt_items", "completions", "audit_events", "mail_outbox"}
    cols = [c.name for c in Attempt.__table__.columns]
    changed = {dict(zip(cols, r, strict=True))["id"]: dict(zip(cols, r, strict=True))
               for r in diff["attempts"][1]}  # fmt: skip
    assert set(changed) == {a.attempt_id for a in dry.attempts}
    for a in dry.attempts:
        row = changed[a.attempt_id]
        assert (row["score"], row["percent"], row["passed"]) == (
            a.score_after, a.percent_after, a.passed_after,
        )  # fmt: skip
    item_ids = {r[0] for r in diff["attempt_items"][1]}
    assert item_ids == {i.item_id for a in dry.attempts for i in a.items}
    # completions: the certified one flagged (same id, still approved), one new pending
    gone_ids = {r[0] for r in diff["completions"][0]}
    new_rows = {r[0] for r in diff["completions"][1]}
    assert gone_ids == {world.completion.id}
    flagged = db_session.get(Completion, world.completion.id)
    assert flagged.status == CompletionStatus.APPROVED and "reg-q1" in flagged.regrade_flag
    created = new_rows - gone_ids
    assert len(created) == 1
    new = db_session.get(Completion, created.pop())
    assert (new.user_id, new.status, new.attempt_id) == (
        world.newly.id, CompletionStatus.PENDING, world.attempts["newly"].id,
    )  # fmt: skip
    # the certificate is untouched: neither revoked nor changed
    assert "certificates" not in diff
    assert db_session.get(Certificate, world.certificate.id).revoked_at is None
    assert len(diff["mail_outbox"][1]) == 3 and not diff["mail_outbox"][0]
    actions = sorted(r[3] if isinstance(r[3], str) else "" for r in diff["audit_events"][1])
    assert len(diff["audit_events"][1]) == 2, actions  # the regrade, the recorded completion


def test_one_audit_event_holds_every_attempt_change(app, world, db_session):
    plan = _apply(app, db_session)
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "attempts.regraded")
    ).all()
    assert len(events) == 1
    details = events[0].details
    assert details["question"] == "reg-q1" and details["version"] == 2
    assert [a["attempt_id"] for a in details["attempts"]] == [a.attempt_id for a in plan.attempts]
    first = details["attempts"][0]
    assert first["passed"] == [plan.attempts[0].passed_before, plan.attempts[0].passed_after]


def test_applying_twice_changes_nothing_the_second_time(app, world, db_session):
    _apply(app, db_session)
    before = table_rows(db_session)
    again = _apply(app, db_session)
    assert again.empty and again.attempts == () and again.completions == ()
    assert table_rows(db_session) == before


def test_affected_trainees_are_told_once_each(app, world, db_session):
    _apply(app, db_session)
    messages = db_session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "regrade_result")
    ).all()
    assert sorted(m.to_addr for m in messages) == sorted(
        u.email for u in (world.certified, world.newly, world.lower)
    )
    certified = next(m for m in messages if m.to_addr == world.certified.email)
    assert "100 % -> 50 %" in certified.text_body
    assert "no longer passed" in certified.text_body and "Nothing is revoked" in certified.text_body
    newly = next(m for m in messages if m.to_addr == world.newly.email)
    assert "now passed" in newly.text_body and "completion is recorded" in newly.text_body
    assert MAIL.results_url in newly.html_body


def test_correcting_the_key_back_clears_the_flag(app, world, db_session):
    from app.banks.services import import_directory
    from tests.regrade.conftest import WRONG, write_bank

    _apply(app, db_session)
    with app.app_context():
        write_bank(world.root, WRONG)  # version 3: the first key after all
        import_directory(db_session, world.root)
        db_session.commit()
        plan = services.plan_regrade(db_session, "reg-q1")
    actions = {(c.user_id, c.action) for c in plan.completions}
    assert (world.certified.id, p.UNFLAG) in actions
    _apply(app, db_session)
    assert db_session.get(Completion, world.completion.id).regrade_flag is None


@pytest.mark.parametrize(
    "key", ["no-such-question", "reg-q1\x00", "x" * 10_000, "", "   ", None, 42, "reg\nq1"]
)
def test_bad_keys_are_refused_and_change_nothing(app, world, db_session, key):
    before = table_rows(db_session)
    with app.app_context(), pytest.raises(ValidationFailed) as caught:
        services.apply_regrade(db_session, None, key, mail=MAIL)
    assert caught.value.message
    db_session.rollback()
    assert table_rows(db_session) == before


def test_a_version_that_drops_a_served_option_is_refused(app, world, db_session):
    from app.banks.services import import_directory
    from tests.regrade.conftest import RIGHT, write_bank

    with app.app_context():
        write_bank(world.root, RIGHT, q1_options=("opt-b", "opt-c"))
        import_directory(db_session, world.root)
        db_session.commit()
        before = table_rows(db_session)
        with pytest.raises(services.RegradeRefused, match="cannot score a stored answer"):
            services.apply_regrade(db_session, None, "reg-q1", mail=MAIL)
    db_session.rollback()
    assert table_rows(db_session) == before


def test_a_stale_digest_applies_nothing(app, world, db_session):
    before = table_rows(db_session)
    with app.app_context(), pytest.raises(services.PlanChanged):
        services.apply_regrade(db_session, None, "reg-q1", expected_digest="0" * 64, mail=MAIL)
    db_session.rollback()
    assert table_rows(db_session) == before


def test_an_unpublished_question_is_refused(app, world, db_session):
    question = db_session.scalar(sa.select(Question).where(Question.key == "reg-q2"))
    question.current_version_id = None
    db_session.flush()
    with app.app_context(), pytest.raises(ValidationFailed, match="no published version"):
        services.plan_regrade(db_session, "reg-q2")


def test_a_renewal_no_longer_earned_is_flagged_too(app, world, db_session):
    """The certified trainee renewed under a wrong key: after the correction both the first
    completion and the renewal are flagged; neither certificate is revoked."""
    from app.banks.services import import_directory
    from tests.regrade.conftest import RIGHT, WRONG, take, write_bank

    with app.app_context():
        write_bank(world.root, WRONG, renewal=True)  # version 3: the wrong key again
        import_directory(db_session, world.root)
        db_session.flush()
        renewal = take(
            db_session, world.certified, {"reg-q1": WRONG, "reg-q2": "opt-a"}, slug="reg-renewal"
        )
        assert renewal.passed is True
        pending = db_session.scalar(
            sa.select(Completion).where(
                Completion.user_id == world.certified.id, Completion.cycle == 2
            )
        )
        assert pending is not None and pending.status == CompletionStatus.PENDING
        write_bank(world.root, RIGHT, renewal=True)  # version 4: corrected
        import_directory(db_session, world.root)
        db_session.commit()
        plan = services.plan_regrade(db_session, "reg-q1")
    mine = {(c.renewal, c.completion_id, c.action) for c in plan.completions
            if c.user_id == world.certified.id}  # fmt: skip
    assert mine == {(False, world.completion.id, p.FLAG), (True, pending.id, p.FLAG)}
    _apply(app, db_session)
    db_session.expire_all()
    assert db_session.get(Completion, pending.id).regrade_flag
    assert db_session.get(Completion, world.completion.id).regrade_flag
    assert db_session.get(Certificate, world.certificate.id).revoked_at is None
