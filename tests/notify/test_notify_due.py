"""``flask notify due``: each notification once, through the outbox (both databases)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.certificates import services as cert_services
from app.mail.models import OutboxMessage
from app.notify.models import NotificationOptOut, NotificationSent
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from
from tests.mailbox import latest_link, messages_to


def notify(runner, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["notify", "due", *args])
    assert result.exit_code == 0, result.output
    return result.output


def outbox_count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0


def pending_completion(db_session, settings, trainee):  # type: ignore[no-untyped-def]
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = cert_services.record_completion(db_session, trainee, program, settings=settings)
    db_session.commit()
    return completion


def test_an_issued_certificate_is_notified_once(runner, db_session, certified):
    output = notify(runner)
    assert "certificate.issued 1" in output
    [mail] = messages_to(db_session, certified.trainee.email)
    assert certified.certificate.serial in mail.text_body
    assert f"/verify/{certified.certificate.code}" in mail.text_body
    assert certified.certificate.serial in mail.html_body
    before = outbox_count(db_session)
    assert "nothing due" in notify(runner)
    assert outbox_count(db_session) == before


def test_a_dry_run_writes_nothing(runner, db_session, certified):
    output = notify(runner, "--dry-run")
    assert f"certificate.issued\t{certified.trainee.email}" in output
    assert outbox_count(db_session) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(NotificationSent)) == 0


def test_a_pending_completion_is_notified_to_every_active_administrator(
    app, runner, db_session, settings
):
    trainee = factories.make_user("trainee", name="Ada Clinician")
    admins = [factories.make_user("admin") for _ in range(2)]
    gone = factories.make_user("admin", is_active=False)
    with app.app_context():
        pending_completion(db_session, settings, trainee)
    assert "completion.pending 2" in notify(runner)
    for admin in admins:
        [mail] = messages_to(db_session, admin.email)
        assert "Ada Clinician" in mail.text_body and "/admin/completions" in mail.text_body
    assert messages_to(db_session, gone.email) == []
    assert messages_to(db_session, trainee.email) == []


def test_a_rejection_is_notified_with_the_reviewers_note(app, runner, db_session, settings):
    trainee = factories.make_user("trainee")
    admin = factories.make_user("admin")
    with app.app_context():
        completion = pending_completion(db_session, settings, trainee)
        cert_services.reject_completion(db_session, admin, completion.id, "Licence not on file")
        db_session.commit()
    assert "completion.rejected 1" in notify(runner)
    [mail] = messages_to(db_session, trainee.email)
    assert "Licence not on file" in mail.text_body and "not approved" in mail.subject


def test_a_revocation_is_notified_with_its_reason(app, runner, db_session, certified, settings):
    notify(runner)  # the issue
    with app.app_context():
        cert_services.revoke_certificate(
            db_session, certified.admin, certified.certificate.id, "Issued in error",
            settings=settings,
        )  # fmt: skip
        db_session.commit()
    assert "certificate.revoked 1" in notify(runner)
    mail = messages_to(db_session, certified.trainee.email)[-1]
    assert "revoked" in mail.subject and "Issued in error" in mail.text_body


def test_expiry_reminders_60_and_14_days_ahead_once_each(
    frozen_clock, runner, db_session, certified
):
    valid_until = certified.certificate.valid_until
    frozen_clock.set(valid_until - timedelta(days=61))
    notify(runner)  # the issue is older than the lookback: nothing about it
    assert messages_to(db_session, certified.trainee.email) == []
    frozen_clock.set(valid_until - timedelta(days=59))
    assert "certificate.expiring.60 1" in notify(runner)
    assert "nothing due" in notify(runner)
    frozen_clock.set(valid_until - timedelta(days=13))
    assert "certificate.expiring.14 1" in notify(runner)
    frozen_clock.set(valid_until - timedelta(days=1))
    assert "nothing due" in notify(runner)
    first, second = messages_to(db_session, certified.trainee.email)
    assert "60 days" in first.text_body and "14 days" in second.text_body
    assert "/notifications/unsubscribe/" in first.text_body


def test_a_first_run_inside_14_days_sends_only_the_14_day_reminder(
    frozen_clock, runner, db_session, certified
):
    frozen_clock.set(certified.certificate.valid_until - timedelta(days=10))
    output = notify(runner)
    assert "certificate.expiring.14 1" in output and "expiring.60" not in output


def test_unsubscribing_stops_the_reminders_only(
    frozen_clock, client, runner, db_session, certified
):
    valid_until = certified.certificate.valid_until
    frozen_clock.set(valid_until - timedelta(days=59))
    notify(runner)
    link = latest_link(db_session, certified.trainee.email, "/notifications/unsubscribe/")
    page = client.get(link)
    assert page.status_code == 200
    assert db_session.scalar(sa.select(NotificationOptOut)) is None  # GET changes nothing
    done = client.post(link, data={"csrf_token": csrf_token_from(page.text)})
    assert done.status_code == 200 and "no longer receive reminders" in done.text
    frozen_clock.set(valid_until - timedelta(days=13))
    assert "nothing due" in notify(runner)
    assert client.get("/notifications/unsubscribe/forged").status_code == 400
