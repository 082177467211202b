"""Admin pages: review queue, revoke/re-issue, CSV export, users, audit; nobody else may act."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.certificates import queries, services
from app.certificates.models import Certificate, CompletionStatus
from app.csv_export import escape_cell
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from, login


@pytest.fixture
def pending(app, db_session, settings):
    """A trainee whose completion waits for review."""
    with app.app_context():
        trainee = factories.make_user("trainee", name='=HYPERLINK("http://evil")')
        program, modules, _ = make_program(db_session)
        for module in modules:
            make_attempt(db_session, trainee, module)
        completion = services.record_completion(db_session, trainee, program, settings=settings)
        db_session.commit()
        return completion


def _token(client, path="/certificates"):
    return csrf_token_from(client.get(path).get_data(as_text=True))


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_trainee_and_instructor_cannot_approve_reject_revoke_or_reissue(
    client, db_session, login_as, pending, role, settings
):
    admin = factories.make_user("admin")
    cert = services.approve_completion(db_session, admin, pending.id, settings=settings)
    other = factories.make_user("trainee")
    for module in make_program(db_session)[1]:
        make_attempt(db_session, other, module)
    db_session.commit()
    login_as(role)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    posts = [
        (f"/admin/completions/{pending.id}/approve", {}),
        (f"/admin/completions/{pending.id}/reject", {"note": "x"}),
        (f"/admin/certificates/{cert.id}/revoke", {"reason": "x"}),
        (f"/admin/certificates/{cert.id}/reissue", {}),
        (f"/admin/users/{other.id}/role", {"role": "admin"}),
        (f"/admin/users/{other.id}/deactivate", {}),
    ]
    for url, data in posts:
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    db_session.expire_all()
    assert cert.revoked_at is None and other.role.value == "trainee" and other.is_active
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_admin_approves_from_the_queue_and_the_certificate_is_issued(
    client, db_session, login_as, pending
):
    login_as("admin")
    page = client.get("/admin/completions")
    assert pending.user.email in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    url = f"/admin/completions/{pending.id}/approve"
    unconfirmed = client.post(url, data={"csrf_token": token})
    assert unconfirmed.status_code == 302
    db_session.expire_all()
    assert pending.status == CompletionStatus.PENDING  # no box ticked: nothing changed
    assert queries.certificates_for_user(db_session, pending.user) == []
    response = client.post(url, data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    (summary,) = queries.certificates_for_user(db_session, pending.user)
    assert summary.status == queries.CertificateStatus.VALID


def test_admin_rejects_with_a_note_the_trainee_sees(client, db_session, login_as, pending):
    login_as("admin")
    token = _token(client, "/admin/completions")
    data = {"csrf_token": token, "note": "Licence number does not match the register"}
    client.post(f"/admin/completions/{pending.id}/reject", data=data)
    db_session.expire_all()
    assert pending.status == CompletionStatus.PENDING  # not confirmed: nothing changed
    client.post(f"/admin/completions/{pending.id}/reject", data={**data, "confirm": "y"})
    db_session.expire_all()
    assert pending.status == CompletionStatus.REJECTED
    client.post("/logout", data={"csrf_token": _token(client, "/admin/")})
    login(client, pending.user.email)
    body = client.get("/certificates").get_data(as_text=True)
    assert "Licence number does not match the register" in body


def test_approve_without_csrf_token_changes_nothing(client, db_session, login_as, pending):
    login_as("admin")
    assert client.post(f"/admin/completions/{pending.id}/approve").status_code == 400
    db_session.expire_all()
    assert pending.status == CompletionStatus.PENDING


def test_admin_revokes_with_a_reason_and_reissues(client, db_session, login_as, pending, settings):
    admin = login_as("admin")
    cert = services.approve_completion(db_session, admin, pending.id, settings=settings)
    db_session.commit()
    token = _token(client, "/admin/certificates")
    url = f"/admin/certificates/{cert.id}/revoke"
    client.post(url, data={"csrf_token": token, "reason": "", "confirm": "y"})
    db_session.expire_all()
    assert cert.revoked_at is None  # a reason is required
    client.post(url, data={"csrf_token": token, "reason": "Issued in error"})
    db_session.expire_all()
    assert cert.revoked_at is None  # and the box ticked
    client.post(url, data={"csrf_token": token, "reason": "Issued in error", "confirm": "y"})
    body = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Status: REVOKED" in body and "Issued in error" in body
    actions = set(db_session.scalars(sa.select(AuditEvent.action)))
    assert "certificate.revoked" in actions


def test_reissue_from_the_admin_page(client, db_session, login_as, pending, settings):
    admin = login_as("admin")
    cert = services.approve_completion(db_session, admin, pending.id, settings=settings)
    db_session.commit()
    token = _token(client, "/admin/certificates")
    url = f"/admin/certificates/{cert.id}/reissue"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    db_session.expire_all()
    assert len(queries.certificates_for_user(db_session, pending.user)) == 1  # not confirmed
    assert client.post(url, data={"csrf_token": token, "confirm": "y"}).status_code == 302
    db_session.expire_all()
    summaries = queries.certificates_for_user(db_session, pending.user)
    assert sorted(s.status.value for s in summaries) == ["revoked", "valid"]


def test_csv_export_escapes_formula_cells(client, login_as, pending):
    login_as("admin")
    response = client.get("/admin/completions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "completion_id"
    (row,) = [r for r in rows[1:] if r[2] == pending.user.email]
    assert row[1] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_escape_cell_prefixes_formula_starts(value):
    assert escape_cell(value) == "'" + value
    assert escape_cell("plain") == "plain"


def test_admin_changes_a_role_and_deactivates(client, db_session, login_as):
    login_as("admin")
    user = factories.make_user("trainee")
    db_session.commit()
    token = _token(client, "/admin/users")
    client.post(f"/admin/users/{user.id}/role", data={"csrf_token": token, "role": "instructor"})
    client.post(f"/admin/users/{user.id}/deactivate", data={"csrf_token": token})
    db_session.expire_all()
    assert user.role.value == "trainee" and user.is_active  # not confirmed: nothing changed
    confirmed = {"csrf_token": token, "confirm": "y"}
    client.post(f"/admin/users/{user.id}/role", data={**confirmed, "role": "instructor"})
    client.post(f"/admin/users/{user.id}/deactivate", data=confirmed)
    db_session.expire_all()
    assert user.role.value == "instructor" and not user.is_active
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "user.role_changed" in audit and "user.deactivated" in audit
