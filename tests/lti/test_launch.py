"""OIDC login and resource-link launch through the real routes, against a test platform
(its keyset served on loopback, id_tokens signed with its key), and every refusal."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from jwcrypto import jwk

from app.auth.models import Role, User
from app.lti.models import LtiAccount
from tests.lti.platform import INSTRUCTOR, LTI, Platform, auth_request
from tests.quiz.conftest import bank  # noqa: F401 (fixture, by name)


def login_initiation(client, platform: Platform) -> dict[str, str]:
    """Step 1: the platform's login initiation; returns the tool's authentication request."""
    response = client.post(
        "/lti/login",
        data={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "hint-42",
            "lti_deployment_id": platform.deployment_id,
            "target_link_uri": "http://127.0.0.1:5000/lti/launch",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    params = auth_request(response.headers["Location"])
    assert response.headers["Location"].startswith(f"{platform.issuer}/auth?")
    assert params["client_id"] == platform.client_id and params["login_hint"] == "hint-42"
    assert params["response_mode"] == "form_post" and params["scope"] == "openid"
    return params


def launch(client, state: str, id_token: str):
    return client.post("/lti/launch", data={"state": state, "id_token": id_token})


def users(db_session) -> list[User]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(User)))


@pytest.mark.usefixtures("bank")
def test_a_learner_launch_makes_a_trainee_and_lands_on_the_module(client, db_session, platform):
    auth = login_initiation(client, platform)
    response = launch(client, auth["state"], platform.id_token(auth["nonce"]))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/modules/score-exam")
    [link] = db_session.scalars(sa.select(LtiAccount)).all()
    user = db_session.get(User, link.user_id)
    assert (link.issuer, link.subject) == (platform.issuer, "platform-user-42")
    assert user.role == Role.TRAINEE and user.name == "Ada Clinician"
    page = client.get("/modules/score-exam")
    assert page.status_code == 200  # logged in
    # Framed by the launching platform only (its registered frame ancestors).
    assert f"frame-ancestors {platform.issuer};" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers

    # The second launch of the same person: the same account, no new one.
    auth = login_initiation(client, platform)
    assert launch(client, auth["state"], platform.id_token(auth["nonce"])).status_code == 302
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LtiAccount)) == 1


def test_an_instructor_launch_makes_an_instructor_never_an_admin(client, db_session, platform):
    auth = login_initiation(client, platform)
    roles = [INSTRUCTOR, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]
    token = platform.id_token(auth["nonce"], **{LTI + "roles": roles, "sub": "teacher-1"})
    assert launch(client, auth["state"], token).status_code == 302
    link = db_session.scalar(sa.select(LtiAccount).where(LtiAccount.subject == "teacher-1"))
    assert db_session.get(User, link.user_id).role == Role.INSTRUCTOR


def refused(client, db_session, response, reason: str) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    assert reason in response.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LtiAccount)) == 0
    assert client.get("/modules").status_code == 302  # not logged in


def test_a_bad_signature_is_refused(client, db_session, platform, caplog):
    auth = login_initiation(client, platform)
    forger = jwk.JWK.generate(kty="RSA", size=2048, kid=platform.key.kid)  # same kid, other key
    with caplog.at_level("WARNING", logger="app.lti.refusals"):
        refused(
            client,
            db_session,
            launch(client, auth["state"], platform.id_token(auth["nonce"], key=forger)),
            "does not match the platform&#39;s public keys",
        )
    # The page says it in a sentence of ours; the library's own text is logged for operators.
    assert "Signature verification failed" in caplog.text


def test_an_expired_id_token_is_refused(client, db_session, platform):
    auth = login_initiation(client, platform)
    past = int(time.time()) - 3600
    token = platform.id_token(auth["nonce"], iat=past - 300, exp=past)
    refused(client, db_session, launch(client, auth["state"], token), "This launch has expired")


def test_a_token_for_another_audience_is_refused(client, db_session, platform):
    auth = login_initiation(client, platform)
    token = platform.id_token(auth["nonce"], aud="another-tool")
    refused(
        client, db_session, launch(client, auth["state"], token), "client id that is not registered"
    )
    auth = login_initiation(client, platform)
    both = platform.id_token(
        auth["nonce"], aud=[platform.client_id, "another-tool"], azp="another-tool"
    )
    refused(client, db_session, launch(client, auth["state"], both), "several audiences")


def test_an_unknown_deployment_is_refused(client, db_session, platform):
    auth = login_initiation(client, platform)
    token = platform.id_token(auth["nonce"], **{LTI + "deployment_id": "not-registered"})
    refused(
        client,
        db_session,
        launch(client, auth["state"], token),
        "deployment that is not registered",
    )


def test_a_nonce_the_tool_did_not_issue_is_refused(client, db_session, platform):
    auth = login_initiation(client, platform)
    token = platform.id_token("made-up-nonce")
    refused(client, db_session, launch(client, auth["state"], token), "not started by this site")


def test_a_state_without_its_cookie_is_refused(app, db_session, platform):
    auth = login_initiation(app.test_client(), platform)
    other_browser = app.test_client()
    refused(
        other_browser,
        db_session,
        launch(other_browser, auth["state"], platform.id_token(auth["nonce"])),
        "does not match a login started in this browser",
    )


@pytest.mark.usefixtures("bank")
def test_a_replayed_launch_is_refused(client, db_session, platform):
    auth = login_initiation(client, platform)
    token = platform.id_token(auth["nonce"])
    assert launch(client, auth["state"], token).status_code == 302
    client.post("/logout")
    replay = launch(client, auth["state"], token)
    assert replay.status_code == 403 and "replay" in replay.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LtiAccount)) == 1


def test_an_unregistered_platform_cannot_start_a_login(client, db_session):
    response = client.post(
        "/lti/login", data={"iss": "https://unknown.example.org", "login_hint": "x"}
    )
    assert response.status_code == 403


def test_pages_outside_an_lti_session_cannot_be_framed(client):
    page = client.get("/login")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


@pytest.mark.usefixtures("bank")
def test_over_https_an_lti_session_cookie_is_samesite_none_and_others_stay_lax(
    app, db_session, platform
):
    browser = app.test_client()
    https = {"base_url": "https://localhost"}
    response = browser.post(
        "/lti/login",
        data={"iss": platform.issuer, "client_id": platform.client_id, "login_hint": "h"},
        **https,
    )
    assert response.status_code == 302
    state_cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in state_cookie and "Secure" in state_cookie
    auth = auth_request(response.headers["Location"])
    token = platform.id_token(auth["nonce"])
    landed = browser.post("/lti/launch", data={"state": auth["state"], "id_token": token}, **https)
    assert landed.status_code == 302, landed.get_data(as_text=True)
    [session_cookie] = [c for c in landed.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "SameSite=None" in session_cookie and "Secure" in session_cookie
    assert "Partitioned" in session_cookie

    other = app.test_client().get("/login", **https)
    [plain] = [c for c in other.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "SameSite=Lax" in plain
