"""The LTI administration pages: registering, editing, disabling and re-enabling a platform,
rotating the tool's key; and every refusal (non-admin, hostile input: nothing changes)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.lti.models import LtiPlatform, LtiToolKey
from tests.conftest import csrf_token_from
from tests.lti.test_launch import launch, login_initiation
from tests.quiz.conftest import bank  # noqa: F401 (fixture, by name)
from tests.rowcounts import table_rows, without_audit

GOOD = {
    "name": "Clinic Moodle",
    "issuer": "https://moodle.example.org",
    "client_id": "abc123",
    "deployment_ids": "1\n2",
    "keyset_url": "https://moodle.example.org/mod/lti/certs.php",
    "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
    "frame_ancestors": "",
}


def post_form(client, path: str, data: dict[str, str]):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def actions(db_session, action: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_an_admin_registers_a_platform_audited(client, db_session, login_as):
    admin = login_as("admin")
    response = post_form(client, "/admin/lti/platforms/new", GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)
    platform = db_session.scalar(sa.select(LtiPlatform))
    assert (platform.issuer, platform.client_id) == ("https://moodle.example.org", "abc123")
    assert platform.deployment_ids == ["1", "2"]
    assert platform.frame_ancestors == ["https://moodle.example.org"]  # the issuer's origin
    [event] = actions(db_session, "lti.platform_registered")
    assert event.actor_id == admin.id
    listing = client.get("/admin/lti/platforms").get_data(as_text=True)
    assert "Clinic Moodle" in listing and "Enabled" in listing


HOSTILE = [
    ("issuer", "http://moodle.example.org"),  # plain http off loopback
    ("issuer", "javascript:alert(1)"),
    ("keyset_url", "https://moodle.example.org/certs.php#frag"),
    ("auth_login_url", "https://exa mple.org/auth"),
    ("auth_token_url", "ftp://moodle.example.org/token"),
    ("frame_ancestors", "https://moodle.example.org; script-src *"),  # CSP injection
    ("frame_ancestors", "https://moodle.example.org/course/view.php"),  # not an origin
    ("name", "Clinic\x07Moodle"),  # (a NUL is refused before any form: app/input_guard.py)
    ("name", ""),
    ("client_id", "x" * 201),
    ("deployment_ids", "   "),
    ("deployment_ids", "\n".join(str(i) for i in range(30))),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE)
def test_hostile_registration_input_gets_a_field_error_and_changes_nothing(
    client, db_session, login_as, field, value
):
    login_as("admin")
    before = without_audit(table_rows(db_session))
    response = post_form(client, "/admin/lti/platforms/new", {**GOOD, field: value})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    db_session.expire_all()
    assert without_audit(table_rows(db_session)) == before


def test_the_same_issuer_and_client_twice_is_refused(client, db_session, login_as):
    login_as("admin")
    assert post_form(client, "/admin/lti/platforms/new", GOOD).status_code == 302
    again = post_form(client, "/admin/lti/platforms/new", {**GOOD, "name": "Again"})
    assert again.status_code == 409
    assert "registered already" in again.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(LtiPlatform.id))) == 1


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_only_administrators_reach_the_registration_pages(client, db_session, login_as, role):
    login_as(role)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.get("/admin/lti/platforms").status_code == 403
    posted = client.post("/admin/lti/platforms/new", data={**GOOD, "csrf_token": token})
    assert posted.status_code == 403
    assert db_session.scalar(sa.select(sa.func.count(LtiPlatform.id))) == 0


def test_an_edit_is_saved_and_audited_a_bad_one_changes_nothing(client, db_session, login_as):
    login_as("admin")
    post_form(client, "/admin/lti/platforms/new", GOOD)
    platform = db_session.scalar(sa.select(LtiPlatform))
    path = f"/admin/lti/platforms/{platform.id}"
    assert "abc123" in client.get(path).get_data(as_text=True)  # the form shows what is stored
    changed = {**GOOD, "deployment_ids": "3", "frame_ancestors": "https://lms.example.org"}
    assert post_form(client, path, changed).status_code == 302
    db_session.refresh(platform)
    assert platform.deployment_ids == ["3"]
    assert platform.frame_ancestors == ["https://lms.example.org"]
    [event] = actions(db_session, "lti.platform_changed")
    assert event.details["deployment_ids"] == {"from": ["1", "2"], "to": ["3"]}

    bad = post_form(client, path, {**changed, "keyset_url": "http://evil.example.org/k"})
    assert bad.status_code == 400
    db_session.refresh(platform)
    assert platform.keyset_url == GOOD["keyset_url"]
    assert len(actions(db_session, "lti.platform_changed")) == 1


def _confirm(client, path: str, confirm: bool = True):
    token = csrf_token_from(client.get("/admin/lti/platforms").get_data(as_text=True))
    data = {"csrf_token": token, **({"confirm": "y"} if confirm else {})}
    return client.post(path, data=data)


@pytest.mark.usefixtures("bank")
def test_a_disabled_registration_is_refused_unframed_and_re_enabled(
    app, client, db_session, login_as, platform
):
    learner = app.test_client()
    auth = login_initiation(learner, platform)
    assert launch(learner, auth["state"], platform.id_token(auth["nonce"])).status_code == 302
    framed = learner.get("/modules/score-exam").headers["Content-Security-Policy"]
    assert f"frame-ancestors {platform.issuer};" in framed
    pending = login_initiation(learner, platform)  # a launch under way when it is disabled

    login_as("admin")
    row = db_session.scalar(sa.select(LtiPlatform))
    path = f"/admin/lti/platforms/{row.id}/disable"
    assert _confirm(client, path, confirm=False).status_code == 302  # not ticked: nothing
    db_session.refresh(row)
    assert row.disabled_at is None
    assert _confirm(client, path).status_code == 302
    db_session.refresh(row)
    assert row.disabled_at is not None and len(actions(db_session, "lti.platform_disabled")) == 1

    # Its launches are refused with a clear page; its session is no longer framed.
    refused = launch(learner, pending["state"], platform.id_token(pending["nonce"]))
    assert refused.status_code == 403
    assert "disabled this platform" in refused.get_data(as_text=True)
    started = learner.post("/lti/login", data={"iss": platform.issuer,
                                                "client_id": platform.client_id,
                                                "login_hint": "x"})  # fmt: skip
    assert started.status_code == 403 and "disabled" in started.get_data(as_text=True)
    policy = learner.get("/modules/score-exam").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and platform.issuer not in policy

    assert _confirm(client, f"/admin/lti/platforms/{row.id}/enable").status_code == 302
    db_session.refresh(row)
    assert row.disabled_at is None and len(actions(db_session, "lti.platform_enabled")) == 1
    auth = login_initiation(learner, platform)
    assert launch(learner, auth["state"], platform.id_token(auth["nonce"])).status_code == 302


def test_the_key_is_rotated_from_the_page(client, db_session, login_as):
    login_as("admin")
    old = client.get("/lti/jwks.json").json["keys"][0]["kid"]
    assert _confirm(client, "/admin/lti/keys/rotate", confirm=False).status_code == 302
    assert client.get("/lti/jwks.json").json["keys"][0]["kid"] == old  # not confirmed
    assert _confirm(client, "/admin/lti/keys/rotate").status_code == 302
    kids = [k["kid"] for k in client.get("/lti/jwks.json").json["keys"]]
    assert kids[0] != old and old in kids  # the retired one stays published
    db_session.expire_all()
    assert db_session.scalar(sa.select(LtiToolKey).where(LtiToolKey.kid == old)).retired_at
    assert len(actions(db_session, "lti.key_rotated")) == 1
