"""Certificates on the trainee dashboard and in /api/v1/me/progress; expiry reminders.

A real certificate is issued (completion recorded, an admin approves, the credential signed) as
in tests/certificates; the clock is frozen so that "61 days before expiry" is exact.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.certificates import services
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program


def _reminders(html: str) -> list[tuple[str, str]]:
    """(serial, expiring|expired) of each reminder on the page."""
    return [
        (serial, kind)
        for kind, serial in re.findall(
            r'class="reminder reminder-(expiring|expired)" data-serial="([^"]+)"', html
        )
    ]


def _cert_rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-serial="([^"]+)" data-status="([^"]+)">', html))


@pytest.fixture
def issued(app, db_session, frozen_clock):
    """A trainee who passed every module; an admin approved; the certificate is issued."""
    trainee = factories.make_user("trainee", name="Zoë Ångström-Nguyễn")
    admin = factories.make_user("admin")
    program, modules, renewal = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    with app.app_context():
        settings = get_settings().issuer
        completion = services.record_completion(db_session, trainee, program, settings=settings)
        certificate = services.approve_completion(
            db_session, admin, completion.id, settings=settings
        )
    db_session.commit()
    return trainee, admin, program, renewal, certificate, settings


def _login(client, user):
    from tests.conftest import login

    assert login(client, user.email).status_code == 302


def test_dashboard_lists_an_issued_certificate_with_expiry_and_status(client, issued):
    trainee, _, _, _, certificate, _ = issued
    assert certificate.valid_until.date().isoformat() == "2028-01-15"  # 24 months
    _login(client, trainee)
    html = client.get("/dashboard").get_data(as_text=True)
    assert _cert_rows(html) == {certificate.serial: "valid"}
    assert "2028-01-15" in html and "Dry Needling Foundations" in html
    assert _reminders(html) == []  # two years left: no reminder
    assert 'href="/certificates"' in html


def test_no_reminder_61_days_before_expiry_a_reminder_59_days_before(client, issued, frozen_clock):
    trainee, _, _, renewal, certificate, _ = issued
    _login(client, trainee)

    frozen_clock.set(certificate.valid_until - timedelta(days=61))
    html = client.get("/dashboard").get_data(as_text=True)
    assert _reminders(html) == []
    assert 'data-testid="expiry-reminders"' not in html

    frozen_clock.set(certificate.valid_until - timedelta(days=59))
    html = client.get("/dashboard").get_data(as_text=True)
    assert _reminders(html) == [(certificate.serial, "expiring")]
    assert "expires on" in html and "January 15, 2028" in html
    assert "(in 59 days)" in html
    assert f'href="/modules/{renewal.slug}"' in html  # the program's renewal module
    assert renewal.title in html
    assert _cert_rows(html) == {certificate.serial: "valid"}


def test_an_expired_certificate_reads_expired_with_a_renewal_link(client, issued, frozen_clock):
    trainee, _, _, renewal, certificate, _ = issued
    _login(client, trainee)
    frozen_clock.set(certificate.valid_until + timedelta(days=1))
    html = client.get("/dashboard").get_data(as_text=True)
    assert _cert_rows(html) == {certificate.serial: "expired"}
    assert _reminders(html) == [(certificate.serial, "expired")]
    assert "expired on" in html and "January 15, 2028" in html
    assert f'href="/modules/{renewal.slug}"' in html


def test_a_revoked_certificate_gets_no_expiry_reminder(client, db_session, issued, frozen_clock):
    trainee, admin, _, _, certificate, settings = issued
    with client.application.app_context():
        services.revoke_certificate(
            db_session, admin, certificate.id, "Issued in error", settings=settings
        )
    db_session.commit()
    _login(client, trainee)
    frozen_clock.set(certificate.valid_until - timedelta(days=10))
    html = client.get("/dashboard").get_data(as_text=True)
    assert _cert_rows(html) == {certificate.serial: "revoked"}
    assert _reminders(html) == []


def test_after_renewal_the_old_certificate_reads_superseded_and_the_reminder_goes(
    app, client, db_session, issued, frozen_clock
):
    trainee, admin, program, renewal, certificate, settings = issued
    frozen_clock.set(certificate.valid_until - timedelta(days=30))
    make_attempt(db_session, trainee, renewal)
    with app.app_context():
        completion = services.record_completion(
            db_session, trainee, program, renewal=True, settings=settings
        )
        renewed = services.approve_completion(db_session, admin, completion.id, settings=settings)
    db_session.commit()
    _login(client, trainee)
    html = client.get("/dashboard").get_data(as_text=True)
    assert _cert_rows(html) == {renewed.serial: "valid", certificate.serial: "superseded"}
    assert _reminders(html) == []


def test_an_instructor_sees_the_reminder_without_a_quiz_link(
    client, login_as, issued, frozen_clock
):
    trainee, _, _, renewal, certificate, _ = issued
    frozen_clock.set(certificate.valid_until - timedelta(days=5))
    login_as("instructor")
    html = client.get(f"/progress/{trainee.id}").get_data(as_text=True)
    assert _reminders(html) == [(certificate.serial, "expiring")]
    assert f'href="/modules/{renewal.slug}"' not in html
    assert f"It is renewed by passing {renewal.title}." in html


def test_progress_api_includes_certificates_and_reminders(client, db_session, issued, frozen_clock):
    trainee, _, _, renewal, certificate, _ = issued
    headers = {"Authorization": f"Bearer {factories.make_token(trainee).secret}"}
    db_session.commit()

    body = client.get("/api/v1/me/progress", headers=headers).get_json()
    (cert,) = body["certificates"]
    assert cert["serial"] == certificate.serial
    assert cert["status"] == "valid"
    assert cert["valid_until"].startswith("2028-01-15")
    assert body["reminders"] == []

    frozen_clock.set(certificate.valid_until - timedelta(days=59))
    body = client.get("/api/v1/me/progress", headers=headers).get_json()
    (reminder,) = body["reminders"]
    assert reminder["serial"] == certificate.serial
    assert reminder["expired"] is False and reminder["days_left"] == 59
    assert reminder["renewal_module"] == renewal.slug

    frozen_clock.set(certificate.valid_until + timedelta(seconds=1))
    body = client.get("/api/v1/me/progress", headers=headers).get_json()
    assert body["certificates"][0]["status"] == "expired"
    assert body["reminders"][0]["expired"] is True and body["reminders"][0]["days_left"] == 0


def test_progress_api_documents_certificates_and_reminders(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    progress = schemas[next(k for k in schemas if k.startswith("Progress"))]["properties"]
    assert {"certificates", "reminders"} <= set(progress)
    reminder = schemas[next(k for k in schemas if k.startswith("Reminder"))]["properties"]
    assert {"serial", "valid_until", "days_left", "expired", "renewal_module"} <= set(reminder)


def test_dashboard_queries_do_not_grow_with_certificates(
    app, client, db_session, issued, frozen_clock, count_queries
):
    trainee, admin, program, renewal, certificate, settings = issued
    _login(client, trainee)
    frozen_clock.set(certificate.valid_until - timedelta(days=30))
    client.get("/dashboard")
    with count_queries() as one:
        client.get("/dashboard")
    for _ in range(3):  # three renewals: four certificates, one reminder each time
        current = services.current_certificate(db_session, trainee.id, program.id)
        frozen_clock.set(current.valid_until - timedelta(days=30))
        make_attempt(db_session, trainee, renewal)
        with app.app_context():
            completion = services.record_completion(
                db_session, trainee, program, renewal=True, settings=settings
            )
            services.approve_completion(db_session, admin, completion.id, settings=settings)
        db_session.commit()
    current = services.current_certificate(db_session, trainee.id, program.id)
    frozen_clock.set(current.valid_until - timedelta(days=30))
    with count_queries() as many:
        html = client.get("/dashboard").get_data(as_text=True)
    assert len(_cert_rows(html)) == 4 and len(_reminders(html)) == 1
    assert one.count == many.count
