"""Safer admin actions: re-authentication before destructive ones, reactivation, and the
audit log's filters, pagination and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.audit.services import record
from app.certificates import services
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from, login


def _token(client, path):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _actions(db_session) -> list[str]:
    return list(db_session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def certificate(db_session, settings):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    admin = factories.make_user("admin")
    cert = services.approve_completion(db_session, admin, completion.id, settings=settings)
    db_session.commit()
    return cert


def _destructive(kind, certificate, target):
    """(url, form data, page it is posted from) of each destructive action."""
    return {
        "revoke": (f"/admin/certificates/{certificate.id}/revoke", {"reason": "Issued in error"}),
        "deactivate": (f"/admin/users/{target.id}/deactivate", {}),
        "role": (f"/admin/users/{target.id}/role", {"role": "instructor"}),
    }[kind]


def _unchanged(db_session, kind, certificate, target) -> bool:
    db_session.expire_all()
    return {
        "revoke": certificate.revoked_at is None,
        "deactivate": target.is_active,
        "role": target.role.value == "trainee",
    }[kind]


@pytest.mark.parametrize("kind", ["revoke", "deactivate", "role"])
def test_destructive_actions_need_a_recent_password_and_honour_it(
    client, db_session, login_as, frozen_clock, certificate, kind
):
    login_as("admin")
    target = factories.make_user("trainee")
    db_session.commit()
    url, data = _destructive(kind, certificate, target)
    token = _token(client, "/admin/users")
    frozen_clock.advance(minutes=11)  # the log-in's password is now too old
    page = "http://localhost/admin/users?q=someone"
    response = client.post(
        url, data={**data, "confirm": "y", "csrf_token": token}, headers={"Referer": page}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauth?next=")
    assert _unchanged(db_session, kind, certificate, target)

    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/admin/users?q=someone"' in form
    wrong = client.post(
        "/reauth",
        data={"password": "not it", "next": "/admin/users", "csrf_token": csrf_token_from(form)},
    )
    assert wrong.status_code == 400 and "auth.reauth_failed" in _actions(db_session)
    ok = client.post(
        "/reauth",
        data={
            "password": factories.DEFAULT_PASSWORD,
            "next": "/admin/users?q=someone",
            "csrf_token": csrf_token_from(form),
        },
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/users?q=someone"
    assert _unchanged(db_session, kind, certificate, target)  # the action is confirmed again
    client.post(url, data={**data, "confirm": "y", "csrf_token": token})
    assert not _unchanged(db_session, kind, certificate, target)


def test_the_password_stays_recent_for_ten_minutes(
    client, db_session, login_as, frozen_clock, certificate
):
    login_as("admin")
    token = _token(client, "/admin/certificates")
    frozen_clock.advance(minutes=9)
    url = f"/admin/certificates/{certificate.id}/revoke"
    response = client.post(url, data={"reason": "Error", "confirm": "y", "csrf_token": token})
    assert response.headers["Location"] == "/admin/certificates"
    db_session.expire_all()
    assert certificate.revoked_at is not None


def test_reauth_refuses_an_outside_next_and_an_outside_referrer(
    client, db_session, login_as, frozen_clock
):
    login_as("admin")
    target = factories.make_user("trainee")
    db_session.commit()
    token = _token(client, "/admin/users")
    frozen_clock.advance(minutes=30)
    response = client.post(
        f"/admin/users/{target.id}/deactivate",
        data={"confirm": "y", "csrf_token": token},
        headers={"Referer": "https://evil.example/admin/users"},
    )
    assert response.headers["Location"] == "/reauth?next=/admin/"
    form = client.get("/reauth").get_data(as_text=True)
    ok = client.post(
        "/reauth",
        data={
            "password": factories.DEFAULT_PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_token_from(form),
        },
    )
    assert ok.status_code == 302 and "evil" not in ok.headers["Location"]


def test_reactivate_is_confirmed_audited_and_lets_the_user_log_in(
    client, db_session, login_as, app
):
    login_as("admin")
    user = factories.make_user("trainee", is_active=False)
    db_session.commit()
    token = _token(client, "/admin/users")
    assert f"/admin/users/{user.id}/reactivate" in client.get("/admin/users").get_data(as_text=True)
    url = f"/admin/users/{user.id}/reactivate"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    db_session.expire_all()
    assert not user.is_active  # not confirmed: nothing changed
    assert client.post(url, data={"csrf_token": token, "confirm": "y"}).status_code == 302
    db_session.expire_all()
    assert user.is_active and "user.reactivated" in _actions(db_session)
    before = len(_actions(db_session))
    client.post(url, data={"csrf_token": token, "confirm": "y"})  # already active: refused
    assert len(_actions(db_session)) == before
    other = app.test_client()
    assert login(other, user.email).status_code == 302


@pytest.fixture
def events(db_session, frozen_clock):
    """Audit events by two admins over three days, one with a formula-like subject id."""
    alice = factories.make_user("admin", email="alice@example.org")
    bob = factories.make_user("admin", email="bob@example.org")
    frozen_clock.set(datetime(2026, 2, 1, 12, 0, tzinfo=UTC))
    record(db_session, alice, "user.deactivated", "user", 41)
    frozen_clock.set(datetime(2026, 2, 2, 23, 59, tzinfo=UTC))
    record(db_session, bob, "certificate.revoked", "certificate", "=HYPERLINK(1)")
    frozen_clock.set(datetime(2026, 2, 3, 8, 0, tzinfo=UTC))
    record(db_session, alice, "user.role_changed", "user", 42, {"to": "admin"})
    db_session.commit()
    return alice, bob


def _rows(client, query: str) -> list[list[str]]:
    response = client.get(f"/admin/audit.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "at", "actor_email", "action", "subject_type", "subject_id", "details"]
    return [r for r in rows[1:] if r[2] in ("alice@example.org", "bob@example.org")]


def test_audit_filters_by_actor_action_subject_and_dates(client, login_as, events):
    login_as("admin")
    assert [r[3] for r in _rows(client, "actor=ALICE")] == ["user.deactivated", "user.role_changed"]
    assert [r[3] for r in _rows(client, "action=user.")] == [
        "user.deactivated",
        "user.role_changed",
    ]
    assert [r[5] for r in _rows(client, "subject_type=user&subject_id=42")] == ["42"]
    dated = _rows(client, "since=2026-02-02&until=2026-02-02")  # the whole day, inclusive
    assert [r[3] for r in dated] == ["certificate.revoked"]
    page = client.get("/admin/audit?actor=bob&action=certificate").get_data(as_text=True)
    assert "certificate.revoked" in page and "user.deactivated" not in page
    assert "/admin/audit.csv?actor=bob&amp;action=certificate" in page


def test_audit_csv_cells_are_formula_safe(client, login_as, events):
    login_as("admin")
    (row,) = _rows(client, "action=certificate.revoked")
    assert row[5] == "'=HYPERLINK(1)"


def test_a_bad_date_filter_is_a_clear_400(client, login_as, events):
    login_as("admin")
    response = client.get("/admin/audit?since=yesterday")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Not a valid date value" in body and "user.deactivated" not in body
    assert client.get("/admin/audit.csv?until=31/12/2026").status_code == 400


def test_audit_log_paginates_with_its_filters(client, db_session, login_as, frozen_clock):
    admin = login_as("admin")
    for n in range(55):
        frozen_clock.advance(seconds=1)
        record(db_session, admin, "test.paged", "thing", n)
    db_session.commit()
    first = client.get("/admin/audit?action=test.paged").get_data(as_text=True)
    assert "55 events" in first and "Page 1 of 2" in first
    assert "page=2" in first and "action=test.paged" in first
    second = client.get("/admin/audit?action=test.paged&page=2").get_data(as_text=True)
    assert second.count("test.paged</td>") == 5 and "thing 4</td>" in second
    assert "thing 54</td>" in first and "thing 54</td>" not in second
