"""A copied session cookie stops working after logout, password change and deactivation."""

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

from app.auth import services
from app.auth.models import User
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "lantern orchard velvet compass 7"


def _session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie_value):
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other.get("/profile")


def test_cookie_rotates_on_login(client, db_session):
    from tests.conftest import login
    from tests.factories import make_user

    user = make_user()
    db_session.commit()
    client.get("/login")
    before = _session_cookie(client)
    login(client, user.email)
    assert _session_cookie(client) != before


def test_old_cookie_is_refused_after_logout(app, client, login_as):
    login_as("trainee")
    stolen = _session_cookie(client)
    assert _replay(app, stolen).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/profile").text)})
    response = _replay(app, stolen)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_old_cookie_is_refused_after_password_change(app, client, login_as):
    login_as("trainee")
    stolen = _session_cookie(client)
    token = csrf_token_from(client.get("/profile/password").text)
    response = client.post(
        "/profile/password",
        data={
            "current": DEFAULT_PASSWORD,
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    replay = _replay(app, stolen)
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]


def test_old_cookie_is_refused_after_deactivation(app, client, login_as, db_session):
    user = login_as("trainee")
    stolen = _session_cookie(client)
    services.deactivate(db_session, None, db_session.get(User, user.id))
    db_session.commit()
    assert client.get("/profile").status_code == 302
    assert _replay(app, stolen).status_code == 302


def test_a_signed_in_request_loads_its_user_by_a_statement_built_once(
    app, client, login_as, monkeypatch
):
    """The session's user is read by one statement built once per worker, not by
    ``session.get``, which builds its own at every request (issue 19)."""
    user = login_as("trainee")
    assert client.get("/profile").status_code == 200
    asked: list[object] = []
    real_get = sa.orm.Session.get
    monkeypatch.setattr(
        sa.orm.Session,
        "get",
        lambda self, entity, *a, **k: asked.append(entity) or real_get(self, entity, *a, **k),
    )
    page = client.get("/profile")
    assert page.status_code == 200 and user.email in page.text
    assert User not in asked


@pytest.mark.parametrize("role", ["trainee", "instructor", "admin"])
def test_navigation_depends_on_role(client, login_as, role):
    login_as(role)
    html = client.get("/profile").text
    assert ("Dashboard" in html) == (role == "trainee")
    assert "Profile" in html
    assert "Log out" in html


def test_role_change_is_audited(db_session):
    from app.audit.models import AuditEvent
    from tests.factories import make_user

    admin = make_user("admin")
    user = make_user("trainee")
    services.set_role(db_session, admin, user, "instructor")
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == admin.id
    assert event.details == {"from": "trainee", "to": "instructor"}


def test_only_admins_change_roles(db_session):
    from app.errors import Forbidden
    from tests.factories import make_user

    instructor = make_user("instructor")
    user = make_user("trainee")
    with pytest.raises(Forbidden):
        services.set_role(db_session, instructor, user, "admin")
