"""Accounts by e-mail: registration by link, password reset, invitations, the registration
switch, and unconfirmed accounts (both databases)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, Role, User
from app.auth.passwords import verify_password
from tests.auth.test_accounts import STRONG, register
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_token, make_user
from tests.mailbox import latest_link, messages_to

NEW_PASSWORD = "harbour meadow lantern quietly 9"


def post_form(client, path: str, **data):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def actions(db_session) -> list[str]:
    return list(db_session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def without_csrf(html: str) -> str:
    """The page without what differs on every response: the CSRF token and the CSP nonce of
    the site script (base.html loads app/static/js/app.js with it)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    try:
        return html.replace(csrf_token_from(html), "")
    except AssertionError:  # a page without a form
        return html


# ---------------------------------------------------------------- password reset


def reset_link(client, db_session, address: str) -> str:
    assert post_form(client, "/password/forgot", email=address).status_code == 200
    return latest_link(db_session, address, "/password/reset/")


def test_a_reset_link_works_once(client, db_session):
    user = make_user(email="ada@example.org")
    api = make_token(user)
    db_session.commit()
    link = reset_link(client, db_session, "ada@example.org")
    assert client.get(link).status_code == 200
    response = post_form(client, link, new=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert login(client, "ada@example.org", DEFAULT_PASSWORD).status_code == 400
    assert login(client, "ada@example.org", NEW_PASSWORD).status_code == 302
    # Used once: the same link is refused, for showing the form and for posting it.
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
    posted = client.post(link, data={"new": STRONG, "confirm": STRONG, "csrf_token": token})
    assert posted.status_code == 400
    db_session.expire_all()
    assert verify_password(db_session.get(User, user.id).password_hash, NEW_PASSWORD)
    assert db_session.get(ApiToken, api.token.id).revoked_at is not None  # tokens revoked too
    assert {"auth.password_reset_requested", "auth.password_reset"} <= set(actions(db_session))


def test_a_reset_ends_the_other_sessions(app, client, db_session):
    make_user(email="ada@example.org")
    db_session.commit()
    other = app.test_client()
    assert login(other, "ada@example.org").status_code == 302
    assert other.get("/profile").status_code == 200
    link = reset_link(client, db_session, "ada@example.org")
    post_form(client, link, new=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert other.get("/profile").status_code == 302  # logged out


def test_an_expired_reset_link_is_refused(client, db_session, frozen_clock):
    make_user(email="ada@example.org")
    db_session.commit()
    link = reset_link(client, db_session, "ada@example.org")
    frozen_clock.advance(minutes=59)
    assert client.get(link).status_code == 200
    frozen_clock.advance(minutes=2)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    before = db_session.scalar(sa.select(User.password_hash))
    post_form(client, "/password/forgot", email="x@example.org")  # a fresh CSRF token
    token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
    posted = client.post(link, data={"new": STRONG, "confirm": STRONG, "csrf_token": token})
    assert posted.status_code == 400
    db_session.expire_all()
    assert db_session.scalar(sa.select(User.password_hash)) == before


def test_a_link_stops_working_once_the_password_changed_otherwise(client, db_session):
    make_user(email="ada@example.org")
    db_session.commit()
    link = reset_link(client, db_session, "ada@example.org")
    login(client, "ada@example.org")
    post_form(
        client,
        "/profile/password",
        current=DEFAULT_PASSWORD,
        new=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert client.get(link).status_code == 400


def test_a_forged_or_tampered_reset_link_is_refused(client, db_session):
    make_user(email="ada@example.org")
    db_session.commit()
    link = reset_link(client, db_session, "ada@example.org")
    assert client.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")).status_code == 400
    assert client.get("/password/reset/forged").status_code == 400


def test_reset_answers_the_same_whether_or_not_the_address_exists(client, db_session):
    make_user(email="ada@example.org")
    db_session.commit()
    known = post_form(client, "/password/forgot", email="ada@example.org")
    unknown = post_form(client, "/password/forgot", email="nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.get_data(as_text=True)) == without_csrf(
        unknown.get_data(as_text=True)
    )
    assert len(messages_to(db_session, "ada@example.org")) == 1
    assert messages_to(db_session, "nobody@example.org") == []


def test_reset_requests_are_limited_per_address_across_client_addresses(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_MAIL_RATE_LIMIT", "2/hour")
    statuses = []
    for n in range(3):
        token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
        statuses.append(
            client.post(
                "/password/forgot",
                data={"email": "ada@example.org", "csrf_token": token},
                environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
            ).status_code
        )
    assert statuses == [200, 200, 429]
    other = post_form(client, "/password/forgot", email="bob@example.org")
    assert other.status_code == 200  # another address has its own budget


def test_reset_requests_are_limited_per_client_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "2/hour")
    statuses = [
        post_form(client, "/password/forgot", email=f"p{n}@example.org").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


# ---------------------------------------------------------------- registration


def test_registration_of_an_existing_address_answers_the_same_and_mails_the_owner(
    client, db_session
):
    make_user("admin", email="staff@example.org", name="Staff Member")
    db_session.commit()
    known = post_form(client, "/register", email="Staff@Example.org")
    new = post_form(client, "/register", email="new@example.org")
    assert known.status_code == new.status_code == 200
    assert without_csrf(known.get_data(as_text=True)) == without_csrf(new.get_data(as_text=True))
    [owner_mail] = messages_to(db_session, "staff@example.org")
    assert "You already have an account" in owner_mail.text_body
    assert "/register/complete/" not in owner_mail.text_body
    [new_mail] = messages_to(db_session, "new@example.org")
    assert "/register/complete/" in new_mail.text_body
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_a_registration_link_works_once(client, db_session):
    assert register(client, db_session).status_code == 302
    link = latest_link(db_session, "ada@example.org", "/register/complete/")
    response = client.get(link)
    assert response.status_code == 400 and "already been used" in response.text
    assert {"auth.registration_requested", "user.registered", "user.email_verified"} <= set(
        actions(db_session)
    )


def test_an_expired_registration_link_is_refused(client, db_session, frozen_clock):
    post_form(client, "/register", email="ada@example.org")
    link = latest_link(db_session, "ada@example.org", "/register/complete/")
    frozen_clock.advance(hours=24, seconds=1)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.text


def test_registration_requires_the_terms_and_a_listed_jurisdiction(client, db_session):
    response = register(client, db_session, accept_terms="")
    assert response.status_code == 400 and "Accept the terms" in response.text
    response = register(client, db_session, jurisdiction="Atlantis")
    assert response.status_code == 400 and "Not a valid choice" in response.text
    response = register(client, db_session, licence_number="")
    assert response.status_code == 400 and "licence number" in response.text
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_registration_mail_is_limited_per_address(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_MAIL_RATE_LIMIT", "2/hour")
    statuses = [post_form(client, "/register", email="ada@example.org").status_code for _ in "abc"]
    assert statuses == [200, 200, 429]
    assert len(messages_to(db_session, "ada@example.org")) == 2


def test_an_administrator_closes_and_reopens_registration(client, db_session, login_as):
    post_form(client, "/register", email="early@example.org")
    early_link = latest_link(db_session, "early@example.org", "/register/complete/")
    admin = login_as("admin")
    assert '<input checked id="registration_open"' in client.get("/admin/settings").text
    assert post_form(client, "/admin/settings").status_code == 302  # unchecked: closed
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/profile").text)})

    page = client.get("/register")
    assert page.status_code == 200 and "Registration is closed" in page.text
    token = csrf_token_from(client.get("/login").text)
    refused = client.post("/register", data={"email": "late@example.org", "csrf_token": token})
    assert refused.status_code == 403 and messages_to(db_session, "late@example.org") == []
    assert "Registration is closed" in client.get(early_link).text  # links already mailed too
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "site.setting_changed")
    )
    assert event.actor_id == admin.id
    assert event.details == {"before": True, "after": False}

    login(client, admin.email)
    post_form(client, "/admin/settings", registration_open="y")
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/profile").text)})
    assert "Send me a link" in client.get("/register").text


# ---------------------------------------------------------------- unconfirmed accounts


def test_an_unconfirmed_account_cannot_log_in_by_form_or_token_api(client, db_session):
    make_user(email="ada@example.org", email_verified_at=None)
    db_session.commit()
    response = login(client, "ada@example.org")
    assert response.status_code == 400
    assert "Confirm your e-mail address first" in response.text
    api = client.post(
        "/api/v1/tokens", json={"email": "ada@example.org", "password": DEFAULT_PASSWORD}
    )
    assert api.status_code == 401
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_a_wrong_password_on_an_unconfirmed_account_says_only_invalid(client, db_session):
    make_user(email="ada@example.org", email_verified_at=None)
    db_session.commit()
    response = login(client, "ada@example.org", "not the right password at all")
    assert "Invalid e-mail or password." in response.text
    assert "Confirm your e-mail" not in response.text


# ---------------------------------------------------------------- invitations


@pytest.mark.parametrize("role", ["instructor", "trainee"])
def test_an_invitation_sets_the_password_once(client, db_session, login_as, role):
    admin = login_as("admin")
    response = post_form(client, "/admin/users/invite", email="New@Example.org", role=role)
    assert response.status_code == 302
    invited = db_session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert invited.role == Role(role) and invited.email_verified_at is None
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/profile").text)})

    link = latest_link(db_session, "new@example.org", "/invite/")
    form = {"name": "New Person", "password": STRONG, "confirm": STRONG, "accept_terms": "y"}
    if role == "trainee":
        incomplete = post_form(client, link, **form)
        assert incomplete.status_code == 400 and "licence number" in incomplete.text
        form.update(profession="physical_therapist", licence_number="PT-9", jurisdiction="Utah")
    accepted = post_form(client, link, **form)
    assert accepted.status_code == 302
    db_session.expire_all()
    invited = db_session.get(User, invited.id)
    assert invited.name == "New Person" and invited.email_verified_at is not None
    assert client.get("/profile").status_code == 200  # logged in as the invitee
    assert client.get(link).status_code == 400  # used
    events = db_session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id).where(
            AuditEvent.action.in_(["user.invited", "user.invitation_accepted"])
        )
    ).all()
    assert sorted(events) == [("user.invitation_accepted", invited.id), ("user.invited", admin.id)]


def test_an_invitation_to_an_existing_address_is_refused(client, db_session, login_as):
    make_user(email="ada@example.org")
    login_as("admin")
    response = post_form(client, "/admin/users/invite", email="ada@example.org", role="trainee")
    assert response.status_code == 400 and "already exists" in response.text
    assert messages_to(db_session, "ada@example.org") == []


def test_an_invited_account_cannot_log_in_before_accepting(client, db_session, login_as):
    login_as("admin")
    post_form(client, "/admin/users/invite", email="new@example.org", role="trainee")
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/profile").text)})
    assert login(client, "new@example.org", "").status_code == 400
    assert login(client, "new@example.org", STRONG).status_code == 400


def test_an_expired_invitation_is_refused(client, db_session, login_as, frozen_clock):
    login_as("admin")
    post_form(client, "/admin/users/invite", email="new@example.org", role="instructor")
    link = latest_link(db_session, "new@example.org", "/invite/")
    frozen_clock.advance(days=7, seconds=1)
    assert "expired" in client.get(link).text


def test_users_invite_on_the_command_line(runner, db_session):
    result = runner.invoke(
        args=["users", "invite", "--email", "cli@example.org", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "Invited cli@example.org as admin: invitation left in the outbox" in result.output
    [mail] = messages_to(db_session, "cli@example.org")
    assert "http://127.0.0.1:5000/invite/" in mail.text_body
    again = runner.invoke(args=["users", "invite", "--email", "cli@example.org", "--role", "admin"])
    assert again.exit_code == 1 and "already exists" in again.output
    bad = runner.invoke(args=["users", "invite", "--email", "x@example.org", "--role", "root"])
    assert bad.exit_code == 2
    assert db_session.scalar(sa.select(User).where(User.email == "x@example.org")) is None


def test_users_create_makes_a_confirmed_account(runner, client, db_session):
    result = runner.invoke(
        args=["users", "create", "--email", "op@example.org", "--name", "Op", "--role", "admin"],
        input=f"{STRONG}\n",
    )
    assert result.exit_code == 0, result.output
    assert login(client, "op@example.org", STRONG).status_code == 302


def test_links_are_not_interchangeable(client, db_session, login_as):
    """An invitation token is not a reset token (the purpose is signed in)."""
    login_as("admin")
    post_form(client, "/admin/users/invite", email="new@example.org", role="trainee")
    invite = latest_link(db_session, "new@example.org", "/invite/")
    token = invite.rsplit("/", 1)[1]
    assert client.get(f"/password/reset/{token}").status_code == 400
    assert client.get(f"/register/complete/{token}").status_code == 400
