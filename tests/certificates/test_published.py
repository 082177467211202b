"""What the issuer publishes for verifiers (issue 17): the profile as a controller document,
the did:web document, key validity, the achievement, the badge; and one public base URL."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
import segno
from PIL import Image as PILImage
from pypdf import PdfReader

from app import clock
from app.certificates import badge, keys, services
from app.certificates import credential as cred
from app.settings import IssuerSettings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from

PUBLIC = "https://academy.example.org"
LOOPBACK = "http://127.0.0.1:5000"


def _login(client, user, base_url: str = "http://localhost"):
    """Log in on ``base_url`` (cookies belong to the host the browser talks to)."""
    token = csrf_token_from(client.get("/login", base_url=base_url).get_data(as_text=True))
    form = {"email": user.email, "password": factories.DEFAULT_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form, base_url=base_url).status_code == 302


def test_the_issuer_profile_is_a_controller_document_nothing_dropped(client, certified):
    profile = client.get("/issuer", base_url="http://127.0.0.1:5000").get_json()
    assert profile["@context"][:2] == [cred.DID_CONTEXT, cred.MULTIKEY_CONTEXT]
    cred.check_no_dropped_terms(profile)  # assertionMethod, Multikey... all defined
    assert profile["assertionMethod"] == [m["id"] for m in profile["verificationMethod"]]
    assert all(m["controller"] == profile["id"] for m in profile["verificationMethod"])
    doc = certified.certificate.credential
    result = cred.verify_credential(doc, cred.key_resolver_from_controller(profile), clock.utcnow())
    assert result.ok, result.summary()


def test_rotated_keys_carry_expires_and_revoked_keys_revoked(
    client, db_session, certified, settings
):
    old_kid = keys.published_keys(db_session)[0].kid
    keys.rotate_key(db_session, settings.instance_path, settings.signing_key)
    db_session.commit()
    profile = client.get("/issuer", base_url="http://127.0.0.1:5000").get_json()
    methods = {m["id"].rsplit("#key-", 1)[1]: m for m in profile["verificationMethod"]}
    assert "expires" in methods[old_kid] and "revoked" not in methods[old_kid]
    cred.parse_datetime(methods[old_kid]["expires"])
    doc = certified.certificate.credential
    resolve = cred.key_resolver_from_controller(profile)
    assert cred.verify_credential(doc, resolve, clock.utcnow()).ok  # rotation: still verifies

    keys.revoke_key(db_session, old_kid)
    db_session.commit()
    profile = client.get("/issuer", base_url="http://127.0.0.1:5000").get_json()
    revoked = next(m for m in profile["verificationMethod"] if m["id"].endswith(old_kid))
    cred.parse_datetime(revoked["revoked"])
    cred.check_no_dropped_terms(profile)
    result = cred.verify_credential(doc, cred.key_resolver_from_controller(profile), clock.utcnow())
    assert not result.ok and "could not be resolved" in result.check("signature").message


def test_the_cli_refuses_what_a_revoked_key_signed(runner, db_session, certified, tmp_path):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(certified.certificate.credential))
    assert runner.invoke(args=["certs", "verify", str(path)]).exit_code == 0
    kid = keys.published_keys(db_session)[0].kid
    assert runner.invoke(args=["certs", "revoke-key", kid]).exit_code == 0
    result = runner.invoke(args=["certs", "verify", str(path)])
    assert result.exit_code == 1 and "could not be resolved" in result.output


def test_did_web_document_only_with_a_configured_base_url(app, client, monkeypatch):
    assert client.get("/.well-known/did.json").status_code == 404
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://academy.example.org:8443")
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response.mimetype == "application/did+ld+json"
    document = response.get_json()
    assert document["id"] == "did:web:academy.example.org%3A8443"
    assert document["@context"] == [cred.DID_CONTEXT, cred.MULTIKEY_CONTEXT]
    cred.check_no_dropped_terms(document)
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]
    assert all(m["id"].startswith(document["id"] + "#key-") for m in document["verificationMethod"])


def test_the_did_of_a_base_url_with_a_path() -> None:
    issuer = IssuerSettings(
        base_url="https://example.org/academy", name="A", signatory="S", instance_path="."
    )
    assert issuer.did is None and issuer.issuer_id == "https://example.org/academy/issuer"
    configured = replace(issuer, base_url_configured=True)
    assert configured.did == "did:web:example.org:academy"
    assert configured.did_document_url == "https://example.org/academy/did.json"
    assert configured.verification_method("k") == "did:web:example.org:academy#key-k"


def test_with_a_configured_base_url_credentials_are_signed_by_the_did(
    app, db_session, settings, monkeypatch
):
    configured = replace(settings, base_url=PUBLIC, base_url_configured=True)
    trainee = factories.make_user("trainee")
    admin = factories.make_user("admin")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = services.record_completion(db_session, trainee, program, settings=configured)
    certificate = services.approve_completion(db_session, admin, completion.id, settings=configured)
    doc = certificate.credential
    assert doc["issuer"]["id"] == "did:web:academy.example.org"
    assert doc["proof"][0]["verificationMethod"].startswith("did:web:academy.example.org#key-")
    assert doc["credentialStatus"]["statusListCredential"].startswith(PUBLIC + "/status/")
    assert doc["credentialSubject"]["achievement"]["id"] == f"{PUBLIC}/achievements/{program.slug}"


def test_the_achievement_url_serves_a_page_and_json_ld(client, certified):
    doc = certified.certificate.credential
    path = doc["credentialSubject"]["achievement"]["id"].removeprefix("http://127.0.0.1:5000")
    page = client.get(path)
    assert page.status_code == 200 and "Dry Needling Foundations" in page.get_data(as_text=True)
    as_json = client.get(path, headers={"Accept": "application/ld+json"})
    assert as_json.status_code == 200 and as_json.mimetype == "application/ld+json"
    achievement = as_json.get_json()
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == doc["credentialSubject"]["achievement"]["name"]
    cred.check_no_dropped_terms(achievement)
    assert client.get("/achievements/no-such-program").status_code == 404
    svg = client.get(path + "/badge.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "Dry Needling Foundations" in svg.get_data(as_text=True)


def test_the_badge_download_has_the_credential_baked_in(app, client, certified):
    _login(client, certified.trainee)
    c = certified.certificate
    response = client.get(f"/certificates/{c.id}/badge.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in svg
    assert badge.extract(svg) == c.credential
    assert "Dry Needling Foundations" in svg
    other = factories.make_user("trainee")
    stranger = app.test_client()
    _login(stranger, other)
    assert stranger.get(f"/certificates/{c.id}/badge.svg").status_code == 404


def test_baking_escapes_a_cdata_end_in_the_credential() -> None:
    credential = {"name": "a ]]> b <svg>"}
    baked = badge.bake(badge.badge_svg("Ελληνικά & <Ünïcode>"), credential)
    assert badge.extract(baked) == credential
    assert "&lt;Ünïcode&gt;" in baked


# ---------------------------------------------------------------- one public base URL


def _qr_matches(pdf_bytes: bytes, url: str) -> bool:
    """The QR image in the PDF is exactly the QR code of ``url`` (as the PDF renders one)."""
    expected = io.BytesIO()
    segno.make(url, error="m").save(expected, kind="png", scale=8, border=2)
    want = PILImage.open(expected).convert("1")
    page = PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    for image in page.images:
        got = image.image.convert("1")
        if got.size == want.size and got.tobytes() == want.tobytes():
            return True
    return False


def test_with_public_base_url_set_nothing_says_127_0_0_1(
    app, client, db_session, settings, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    admin = factories.make_user("admin")
    trainee = factories.make_user("trainee", name="Ana Lima")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    db_session.commit()
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    db_session.commit()
    # The admin approves through the site, served on the loopback address.
    admin_client = app.test_client()
    _login(admin_client, admin, LOOPBACK)
    queue = admin_client.get("/admin/completions", base_url=LOOPBACK).get_data(as_text=True)
    approved = admin_client.post(
        f"/admin/completions/{completion.id}/approve",
        data={"csrf_token": csrf_token_from(queue), "confirm": "y"},
        base_url=LOOPBACK,
    )
    assert approved.status_code == 302
    (certificate,) = services_certificates(db_session, trainee)
    assert "127.0.0.1" not in json.dumps(certificate.credential)

    _login(client, trainee, LOOPBACK)
    loopback = {"base_url": LOOPBACK}
    pages = [
        client.get("/certificates", **loopback).get_data(as_text=True),
        client.get("/dashboard", **loopback).get_data(as_text=True),
        client.get(f"/verify/{certificate.code}", **loopback).get_data(as_text=True),
        client.get("/issuer", **loopback).get_data(as_text=True),
        client.get("/.well-known/did.json", **loopback).get_data(as_text=True),
        client.get(f"/api/v1/certificates/{certificate.code}", **loopback).get_data(as_text=True),
        client.get(f"/achievements/{program.slug}", **loopback).get_data(as_text=True),
        client.get(f"/certificates/{certificate.id}/badge.svg", **loopback).get_data(as_text=True),
    ]
    for page in pages:
        assert "127.0.0.1" not in page
    assert f"{PUBLIC}/verify/{certificate.code}" in pages[0]  # the share link
    pdf = client.get(f"/certificates/{certificate.id}/certificate.pdf", **loopback).get_data()
    assert b"127.0.0.1" not in pdf
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "127.0.0.1" not in text and "academy.example.org/verify/" in text.replace("\n", "")
    assert _qr_matches(pdf, f"{PUBLIC}/verify/{certificate.code}")


def services_certificates(db_session, trainee):
    from app.certificates import queries

    return [s.certificate for s in queries.certificates_for_user(db_session, trainee)]


def test_without_public_base_url_pages_use_the_request_address(client, certified):
    _login(client, certified.trainee, "http://learn.example.net:8080")
    body = client.get("/certificates", base_url="http://learn.example.net:8080").get_data(
        as_text=True
    )
    assert f"http://learn.example.net:8080/verify/{certified.certificate.code}" in body
    assert "127.0.0.1" not in body
    profile = client.get("/issuer", base_url="https://learn.example.net").get_json()
    assert profile["id"] == "https://learn.example.net/issuer"


@pytest.mark.parametrize("env", ["production", "development"])
def test_start_up_warns_in_production_without_a_public_base_url(monkeypatch, caplog, env):
    import sys

    from app import create_app

    monkeypatch.setitem(sys.modules, "gunicorn", sys.modules.get("gunicorn") or object())
    monkeypatch.setenv("APP_ENV", env)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    overrides = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with caplog.at_level("WARNING"):
        create_app(overrides)
    warned = any("PUBLIC_BASE_URL is not set" in r.getMessage() for r in caplog.records)
    assert warned == (env == "production")
