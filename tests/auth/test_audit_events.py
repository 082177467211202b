"""Audit events a regulator asks for (issue 12): logouts, profile changes with the fields
before and after, and denied requests aggregated per user and route."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.denied import is_sampled
from tests.conftest import csrf_token_from


def _events(db_session, action: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_denied_requests_are_sampled_at_powers_of_ten():
    assert [n for n in range(1, 1001) if is_sampled(n)] == [1, 10, 100, 1000]
    assert not is_sampled(0)


def test_a_logout_is_audited(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    events = _events(db_session, "auth.logout")
    assert [(e.actor_id, e.subject_id) for e in events] == [(user.id, str(user.id))]


def test_a_profile_change_is_audited_field_by_field(client, login_as, db_session):
    user = login_as("trainee", name="Old Name", profession="physical_therapist")
    form = {
        "name": "New Name",
        "profession": "physical_therapist",
        "licence_number": user.licence_number or "",
        "jurisdiction": user.jurisdiction or "",
    }
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post("/profile", data={**form, "csrf_token": token}).status_code == 302
    events = _events(db_session, "user.profile_updated")
    assert len(events) == 1
    assert events[0].details == {"changes": {"name": {"before": "Old Name", "after": "New Name"}}}
    # Saving the same values again changes nothing and writes nothing.
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post("/profile", data={**form, "csrf_token": token}).status_code == 302
    assert len(_events(db_session, "user.profile_updated")) == 1


def test_denied_requests_are_audited_once_per_power_of_ten(client, login_as, db_session):
    user = login_as("trainee")
    for _ in range(12):
        assert client.get("/admin/users").status_code == 403
    assert client.get("/studio/").status_code == 403
    events = _events(db_session, "access.denied")
    assert [(e.actor_id, e.subject_id, e.details["count_this_hour"]) for e in events] == [
        (user.id, "admin.users", 1),
        (user.id, "admin.users", 10),
        (user.id, "studio.index", 1),
    ]
    assert events[0].details["method"] == "GET" and events[0].details["path"] == "/admin/users"
