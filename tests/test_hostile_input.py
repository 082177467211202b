"""Hostile input (issue 12): NUL bytes, lone surrogates, ids beyond the column range, huge
integers, deep and large JSON get a 4xx naming the problem and change nothing, on both databases.

Each of these was an unauthenticated 500 on PostgreSQL before ``app/input_guard.py``.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, User
from app.input_guard import bad_character, json_depth
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user


def _counts(db_session) -> tuple[int, int, int]:
    return (
        db_session.scalar(sa.select(sa.func.count()).select_from(User)),
        db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken)),
        db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
    )


# ---------------------------------------------------------------- pure checks


def test_bad_character_names_nul_and_lone_surrogates_only():
    assert bad_character("plain text, accents é and emoji \U0001f600") is None
    assert bad_character("a\x00b") == "a NUL byte"
    assert bad_character("a\ud800") == "an unpaired surrogate"
    assert bad_character("\udfff") == "an unpaired surrogate"


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth(b'{"a": [1, {"b": 2}]}') == 3
    assert json_depth(b'{"a": "[[[[{{{{"}') == 1
    assert json_depth(b'{"a": "quote \\" then [[["}') == 1
    assert json_depth(b"[" * 100 + b"]" * 100) == 100
    assert json_depth(b"42") == 0


# ---------------------------------------------------------------- NUL and surrogates


def test_nul_in_the_login_form_is_a_400_naming_the_field(client, db_session):
    make_user("trainee", email="owner@example.org")
    db_session.commit()
    before = _counts(db_session)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": "owner@example.org\x00", "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 400
    assert "email" in response.get_data(as_text=True)
    assert "NUL" in response.get_data(as_text=True)
    assert _counts(db_session) == before


def test_nul_in_the_token_endpoint_is_a_400_json_naming_the_field(client, db_session):
    before = _counts(db_session)
    response = client.post(
        "/api/v1/tokens", json={"email": "a\x00@example.org", "password": "x" * 12}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"
    assert "email" in response.json["error"]["message"]
    assert _counts(db_session) == before


def test_lone_surrogate_in_json_is_a_400(client, db_session):
    before = _counts(db_session)
    raw = b'{"email": "\\ud800@example.org", "password": "lantern orchard velvet"}'
    response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json["error"]["message"]
    assert _counts(db_session) == before


def test_lone_surrogate_in_a_json_key_is_a_400(client):
    raw = b'{"\\udc00": 1}'
    response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json["error"]["message"]


def test_nul_in_the_verify_code_is_a_400(client, db_session):
    assert client.get("/verify?code=abc%00def").status_code == 400
    assert client.get("/verify/abc%00def").status_code in (400, 404)


def test_nul_in_a_bearer_token_is_a_400_and_not_a_lookup(client, db_session):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer abc\x00def"})
    assert response.status_code == 400


# ---------------------------------------------------------------- JSON shape


def test_json_nested_50000_deep_is_a_400(client, db_session):
    before = _counts(db_session)
    raw = b'{"email": ' + b"[" * 50_000 + b"]" * 50_000 + b', "password": "x"}'
    response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json["error"]["message"]
    assert _counts(db_session) == before


def test_a_json_body_over_the_cap_is_a_413(client, db_session):
    raw = b'{"email": "' + b"a" * (1024 * 1024 + 1) + b'", "password": "x"}'
    response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
