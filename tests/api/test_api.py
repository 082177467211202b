"""The JSON API: tokens, /me, error envelopes, CSRF rules and the OpenAPI document."""

import sqlalchemy as sa
from openapi_spec_validator import validate

from app.audit.models import AuditEvent
from app.auth.models import ApiToken
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_token, make_user

PASSWORD = "lantern orchard velvet compass 7"


def test_cli_user_then_token_then_me(runner, client, db_session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "api@example.org",
            "--name",
            "Api User",
            "--role",
            "instructor",
            "--profession",
            "physician",
            "--licence-number",
            "MD-1",
            "--jurisdiction",
            "Quebec",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/api/v1/tokens", json={"email": "API@example.org", "password": PASSWORD}
    )
    assert response.status_code == 201, response.json
    token = response.json["token"]
    assert isinstance(response.json["id"], int)
    stored = db_session.get(ApiToken, response.json["id"])
    assert stored.token_hash != token and len(stored.token_hash) == 64

    fresh = client.application.test_client()  # no cookies at all
    me = fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json == {
        "id": stored.user_id,
        "email": "api@example.org",
        "name": "Api User",
        "role": "instructor",
        "profession": "physician",
        "licensed_since": None,
        "licence_number": "MD-1",
        "jurisdiction": "Quebec",
    }
    assert "Set-Cookie" not in me.headers
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "token.created"))


def test_wrong_password_gives_401_json(client, db_session):
    user = make_user()
    db_session.commit()
    response = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": "nope nope nope"}
    )
    assert response.status_code == 401
    assert response.json == {
        "error": {"code": "invalid_credentials", "message": "Invalid e-mail or password."}
    }


def test_missing_field_is_a_400_naming_the_field(client):
    response = client.post("/api/v1/tokens", json={"email": "a@example.org"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "validation_error"
    assert "password" in response.json["error"]["message"]


def test_malformed_json_is_a_400_json_error(client):
    response = client.post(
        "/api/v1/tokens", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.is_json
    assert set(response.json["error"]) >= {"code", "message"}


def test_me_without_credentials_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_invalid_bearer_token_is_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(client):
    response = client.get("/api/v1/tokens")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_revoked_token_stops_working(client, db_session):
    user = make_user()
    issued = make_token(user)
    db_session.commit()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{issued.token.id}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cannot_revoke_someone_elses_token(client, db_session):
    owner = make_user()
    other = make_user()
    victim = make_token(owner)
    mine = make_token(other)
    db_session.commit()
    response = client.delete(
        f"/api/v1/tokens/{victim.token.id}", headers={"Authorization": f"Bearer {mine.secret}"}
    )
    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(ApiToken, victim.token.id).revoked_at is None


def test_deactivated_users_token_stops_working(client, db_session):
    from app.auth import services

    user = make_user()
    issued = make_token(user)
    db_session.commit()
    services.deactivate(db_session, None, user)
    db_session.commit()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"}).status_code
        == 401
    )


def test_session_api_calls_need_the_csrf_header(client, login_as, db_session):
    user = login_as("trainee")
    issued = make_token(user)
    db_session.commit()
    url = f"/api/v1/tokens/{issued.token.id}"
    refused = client.delete(url)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"
    token = csrf_token_from(client.get("/profile").text)
    assert client.delete(url, headers={"X-CSRFToken": token}).status_code == 204


def test_profile_page_creates_and_revokes_tokens(client, login_as, db_session):
    user = login_as("trainee")
    page = client.get("/profile").text
    response = client.post(
        "/profile/tokens", data={"name": "laptop", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 200
    html = response.text
    assert "will not be shown again" in html
    token = db_session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "laptop"
    response = client.post(
        f"/profile/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(html)}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_at is not None


def test_token_creation_is_rate_limited(client, db_session):
    for _ in range(10):
        client.post("/api/v1/tokens", json={"email": "a@example.org", "password": "x"})
    response = client.post("/api/v1/tokens", json={"email": "a@example.org", "password": "x"})
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_requests"


def test_openapi_document_is_valid_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert "/api/v1/tokens" in spec["paths"]
    assert "/api/v1/me" in spec["paths"]


def test_login_password_used_by_factories_still_works(client, db_session):
    user = make_user()
    db_session.commit()
    response = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 201
