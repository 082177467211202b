"""The tool's keyset (/lti/jwks.json: made on first use, rotated) and platform registration."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.errors import Conflict, ValidationFailed
from app.lti import keys
from app.lti.models import LtiPlatform, LtiToolKey
from app.lti.services import PlatformFields, register_platform


def platform_fields(**kw) -> PlatformFields:
    values = {
        "name": "Moodle of the clinic",
        "issuer": "https://moodle.example.org",
        "client_id": "abc123",
        "keyset_url": "https://moodle.example.org/mod/lti/certs.php",
        "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
        "deployment_ids": ["1"],
    }
    values.update(kw)
    return PlatformFields(**values)


def actions(db_session, prefix: str) -> list[str]:
    return list(
        db_session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
    )


def test_a_fresh_install_publishes_one_rsa_signing_key(client, db_session):
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LtiToolKey)) == 0
    first = client.get("/lti/jwks.json")
    assert first.status_code == 200 and first.mimetype == "application/json"
    [key] = first.json["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key and "p" not in key  # public half only
    assert client.get("/lti/jwks.json").json == first.json  # the same key, not a new one each time
    assert actions(db_session, "lti.") == ["lti.key_created"]


def test_what_the_tool_signs_verifies_against_its_published_keyset(client, db_session):
    key = keys.active_key(db_session)
    db_session.commit()
    token = jwt.encode(
        {"iss": "abc123", "aud": "https://moodle.example.org/token", "exp": time.time() + 60},
        key.private_pem,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    [published] = client.get("/lti/jwks.json").json["keys"]
    public = jwt.PyJWK.from_json(json.dumps(published)).key
    claims = jwt.decode(
        token, public, algorithms=["RS256"], audience="https://moodle.example.org/token"
    )
    assert claims["iss"] == "abc123"


def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_published(client, db_session, runner):
    old = keys.active_key(db_session)
    db_session.commit()
    result = runner.invoke(args=["lti", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    new = keys.active_key(db_session)
    assert new.kid != old.kid and new.kid in result.output
    kids = [k["kid"] for k in client.get("/lti/jwks.json").json["keys"]]
    assert kids == [new.kid, old.kid]
    assert actions(db_session, "lti.")[-1] == "lti.key_rotated"


def test_an_admin_registers_a_platform_with_its_deployments(db_session, runner):
    result = runner.invoke(
        args=["lti", "platforms", "add", "--name", "Canvas", "--issuer",
              "https://canvas.instructure.com", "--client-id", "10000000000001",
              "--deployment", "7:abc", "--deployment", "8:def",
              "--keyset-url", "https://sso.canvaslms.com/api/lti/security/jwks",
              "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
              "--token-url", "https://sso.canvaslms.com/login/oauth2/token"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    platform = db_session.scalar(sa.select(LtiPlatform))
    assert platform.deployment_ids == ["7:abc", "8:def"]
    assert platform.frame_ancestors == ["https://canvas.instructure.com"]
    assert actions(db_session, "lti.") == ["lti.platform_registered"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"issuer": "http://moodle.example.org"}, "issuer"),
        ({"keyset_url": "javascript:alert(1)"}, "keyset_url"),
        ({"auth_token_url": "https://x.example.org/#frag"}, "auth_token_url"),
        ({"deployment_ids": ["  "]}, "deployment_ids"),
        ({"client_id": "a\x00b"}, "client_id"),
        ({"frame_ancestors": ["*"]}, "frame_ancestors"),
    ],
)
def test_a_bad_registration_is_refused_and_changes_nothing(db_session, fields, message):
    with pytest.raises(ValidationFailed, match=message):
        register_platform(db_session, None, platform_fields(**fields))
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_the_same_issuer_and_client_id_cannot_be_registered_twice(db_session):
    register_platform(db_session, None, platform_fields())
    with pytest.raises(Conflict):
        register_platform(db_session, None, platform_fields(name="again"))
    register_platform(db_session, None, platform_fields(client_id="other"))  # another client: ok
