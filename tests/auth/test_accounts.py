"""Registration, login, logout, profile and password change through the web pages."""

import re

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mailbox import latest_link, messages_to

STRONG = "lantern orchard velvet compass 7"


def register(client, db_session, **overrides):
    """Registration as a person does it: the address, the mailed link, then the profile."""
    email = overrides.pop("email", "Ada@Example.org")
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    answer = client.post("/register", data={"email": email, "csrf_token": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    link = latest_link(db_session, email.lower(), "/register/complete/")
    token = csrf_token_from(client.get(link).get_data(as_text=True))
    data = {
        "name": "Ada Clinician",
        "profession": "physical_therapist",
        "licence_number": "PT-1234",
        "jurisdiction": "Ontario",
        "password": STRONG,
        "confirm": STRONG,
        "accept_terms": "y",
        "csrf_token": token,
    }
    data.update(overrides)
    return client.post(link, data=data)


def user_count(db_session):
    return db_session.scalar(sa.select(sa.func.count()).select_from(User))


def test_registration_creates_a_trainee_and_logs_in(client, db_session):
    response = register(client, db_session)
    assert response.status_code == 302
    user = db_session.scalar(sa.select(User).where(User.email == "ada@example.org"))
    assert user is not None
    assert user.role == Role.TRAINEE
    assert user.licence_number == "PT-1234"
    assert user.jurisdiction == "Ontario"
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is not None
    assert user.terms_version == "1" and user.terms_accepted_at is not None
    assert client.get("/home", follow_redirects=True).status_code == 200  # → /dashboard


def test_registration_ignores_a_posted_role(client, db_session):
    register(client, db_session, role="admin", is_active="1")
    user = db_session.scalar(sa.select(User).where(User.email == "ada@example.org"))
    assert user.role == Role.TRAINEE


def test_weak_password_is_refused_with_a_clear_message(client, db_session):
    before = user_count(db_session)
    response = register(client, db_session, password="password1234", confirm="password1234")
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    assert user_count(db_session) == before


def test_short_password_is_refused(client, db_session):
    response = register(client, db_session, password="short pass", confirm="short pass")
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_duplicate_email_creates_nothing_and_mails_the_owner(client, db_session):
    make_user(email="ada@example.org")
    db_session.commit()
    before = user_count(db_session)
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={"email": "ADA@example.org", "csrf_token": token})
    assert response.status_code == 200
    assert "already exists" not in response.get_data(as_text=True)
    assert user_count(db_session) == before
    [mail] = messages_to(db_session, "ada@example.org")
    assert "You already have an account" in mail.text_body
    assert "/password/forgot" in mail.text_body


def test_the_profile_offers_the_jurisdiction_list_and_keeps_an_older_value(
    client, login_as, db_session
):
    user = login_as("trainee", jurisdiction="Demo")  # from before the list
    page = client.get("/profile").get_data(as_text=True)
    assert '<option value="Utah">Utah</option>' in page
    assert '<option selected value="Demo">Demo</option>' in page
    token = csrf_token_from(page)
    data = {"name": user.name, "jurisdiction": "Atlantis", "csrf_token": token}
    assert client.post("/profile", data=data).status_code == 400
    db_session.expire_all()
    assert db_session.get(User, user.id).jurisdiction == "Demo"


def test_login_then_logout(client, db_session):
    user = make_user()
    db_session.commit()
    response = login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert client.get("/home", follow_redirects=True).status_code == 200  # → /dashboard
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/home").status_code == 302


@pytest.mark.parametrize(
    ("role", "landing"),
    [("trainee", "/dashboard"), ("instructor", "/studio/"), ("admin", "/admin/")],
)
def test_after_login_each_role_lands_on_its_own_home(client, db_session, role, landing):
    user = make_user(role)
    db_session.commit()
    response = login(client, user.email)
    assert response.headers["Location"].endswith("/home")
    home = client.get("/home")
    assert home.status_code == 302
    assert home.headers["Location"] == landing
    assert client.get(landing).status_code == 200
    assert client.get("/", follow_redirects=True).request.path == landing


def test_logout_by_get_is_not_allowed(client):
    assert client.get("/logout").status_code == 405


def test_unknown_email_and_wrong_password_get_the_same_answer(client, db_session):
    user = make_user()
    db_session.commit()
    wrong = login(client, user.email, "not the right password at all")
    unknown = login(client, "nobody@example.org", "not the right password at all")
    assert wrong.status_code == unknown.status_code == 400
    body_wrong = wrong.get_data(as_text=True)
    body_unknown = unknown.get_data(as_text=True)
    assert "Invalid e-mail or password." in body_wrong
    assert "Invalid e-mail or password." in body_unknown
    strip = lambda html: csrf_token_from(html)  # noqa: E731
    # The CSP nonce (base.html's site script) differs on every response, like the CSRF token.
    body_wrong, body_unknown = (re.sub(r'nonce="[^"]*"', "", b) for b in (body_wrong, body_unknown))
    assert body_wrong.replace(strip(body_wrong), "").replace(
        user.email, "X"
    ) == body_unknown.replace(strip(body_unknown), "").replace("nobody@example.org", "X")


def test_login_success_and_failure_are_audited(client, db_session):
    user = make_user()
    db_session.commit()
    login(client, user.email, "not the right password at all")
    login(client, user.email)
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject_id == str(user.id))
    ).all()
    assert "auth.login_failed" in actions
    assert "auth.login" in actions


def test_deactivated_user_cannot_log_in(client, db_session):
    user = make_user(is_active=False)
    db_session.commit()
    response = login(client, user.email)
    assert response.status_code == 400
    assert "Invalid e-mail or password." in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account(client, db_session):
    user = make_user()
    db_session.commit()
    statuses = [login(client, user.email, "wrong password guess!").status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    # Another account from the same IP is not locked out by this one.
    other = make_user()
    db_session.commit()
    assert login(client, other.email).status_code == 302


def test_login_is_rate_limited_per_ip(client, db_session):
    statuses = [
        login(client, f"spray{i}@example.org", "wrong password guess!").status_code
        for i in range(31)
    ]
    assert statuses[:30] == [400] * 30
    assert statuses[30] == 429


def test_rate_limited_login_shows_the_429_page(client, db_session):
    for _ in range(10):
        login(client, "x@example.org", "wrong password guess!")
    response = login(client, "x@example.org", "wrong password guess!")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_profile_updates_only_declared_fields(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    response = client.post(
        "/profile",
        data={
            "name": "New Name",
            "profession": "chiropractor",
            "licence_number": "DC-9",
            "jurisdiction": "Québec",
            "role": "admin",
            "is_active": "0",
            "email": "evil@example.org",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    fresh = db_session.get(User, user.id)
    assert (fresh.name, fresh.profession, fresh.licence_number, fresh.jurisdiction) == (
        "New Name",
        "chiropractor",
        "DC-9",
        "Québec",
    )
    assert fresh.role == Role.TRAINEE
    assert fresh.is_active is True
    assert fresh.email == user.email


def test_password_change(client, login_as, db_session):
    user = login_as("trainee")
    token = csrf_token_from(client.get("/profile/password").get_data(as_text=True))
    response = client.post(
        "/profile/password",
        data={"current": DEFAULT_PASSWORD, "new": STRONG, "confirm": STRONG, "csrf_token": token},
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # this session stays logged in
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/profile").text)})
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 400
    assert login(client, user.email, STRONG).status_code == 302


def test_password_change_needs_the_current_password(client, login_as):
    login_as("trainee")
    token = csrf_token_from(client.get("/profile/password").get_data(as_text=True))
    response = client.post(
        "/profile/password",
        data={
            "current": "wrong wrong wrong",
            "new": STRONG,
            "confirm": STRONG,
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)


def test_safe_next_after_login(client, db_session):
    user = make_user()
    db_session.commit()
    token = csrf_token_from(client.get("/login?next=/profile").get_data(as_text=True))
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "next": "/profile",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/profile"


def test_unsafe_next_is_ignored(client, db_session):
    user = make_user()
    db_session.commit()
    for target in [
        "//evil.example",
        "https://evil.example",
        "https:evil.example",
        "/\\/evil",
        "\\/\\/evil",
    ]:
        client.delete_cookie("session")
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": DEFAULT_PASSWORD,
                "next": target,
                "csrf_token": token,
            },
        )
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/home", target


def test_a_registration_losing_a_race_for_its_address_gets_email_taken(db_session, monkeypatch):
    """Two followed links for one address at once: both pass the "is it taken?" check, the
    unique index decides, and the loser gets the same clear refusal (not a 500), with the
    session still usable and nothing of the loser written."""
    from app.auth import services

    winner = make_user("trainee", email="race@example.org")

    def registered() -> int:
        query = sa.select(sa.func.count()).where(AuditEvent.action == "user.registered")
        return db_session.scalar(query.select_from(AuditEvent))

    before = registered()
    monkeypatch.setattr(services, "find_user_by_email", lambda session, email: None)
    with pytest.raises(services.EmailTaken):
        services.register_user(
            db_session,
            None,
            email="race@example.org",
            name="Second Comer",
            password="a long enough passphrase 42",
        )
    users = db_session.scalars(sa.select(User).where(User.email == "race@example.org")).all()
    assert [(u.id, u.name) for u in users] == [(winner.id, winner.name)]
    assert registered() == before
