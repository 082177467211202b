"""Public verification, the issuer profile, the status list, downloads, PDF, the CLI."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from app.certificates import credential as cred
from app.certificates import services
from tests import factories
from tests.conftest import login


def _login(client, user):
    assert login(client, user.email).status_code == 302


# ---------------------------------------------------------------- public verification


def test_verify_page_shows_db_data_and_valid(client, certified):
    c = certified.certificate
    body = client.get(f"/verify/{c.code}").get_data(as_text=True)
    assert "Status: VALID" in body
    assert "Zoë Ångström-Nguyễn" in body and c.serial in body and "17.5" in body
    assert "Dry Needling Foundations" in body and c.licence_number in body


def test_verify_page_ignores_query_parameters(client, certified):
    url = f"/verify/{certified.certificate.code}?name=Evil&course=X&status=revoked"
    body = client.get(url).get_data(as_text=True)
    assert "Evil" not in body and "Status: VALID" in body


def test_unknown_codes_get_a_uniform_404(client, certified):
    first = client.get("/verify/" + "A" * 24)
    second = client.get("/verify/nope")
    assert first.status_code == second.status_code == 404
    # The same page but for the per-response CSP nonce (every page loads static/js/timezone.js).
    same = [re.sub(rb'nonce="[^"]*"', b"", r.get_data()) for r in (first, second)]
    assert same[0] == same[1]
    api_a = client.get("/api/v1/certificates/" + "A" * 24)
    api_b = client.get("/api/v1/certificates/nope")
    assert api_a.status_code == api_b.status_code == 404
    assert (
        api_a.get_json()
        == api_b.get_json()
        == {"error": {"code": "not_found", "message": "No certificate has this code."}}
    )


def test_verify_form_redirects_to_the_code_page(client, certified):
    response = client.get("/verify", query_string={"code": certified.certificate.code})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{certified.certificate.code}")


def test_revoked_reads_revoked_on_the_page_in_json_and_in_the_status_list(
    client, db_session, certified, settings
):
    c = certified.certificate
    services.revoke_certificate(
        db_session, certified.admin, c.id, "Licence lapsed", settings=settings
    )
    db_session.commit()
    body = client.get(f"/verify/{c.code}").get_data(as_text=True)
    assert "Status: REVOKED" in body and "Licence lapsed" in body
    data = client.get(f"/api/v1/certificates/{c.code}").get_json()
    assert data["status"] == "revoked" and data["revocation_reason"] == "Licence lapsed"
    status_list = client.get(f"/status/{c.status_list_id}").get_json()
    bits = cred.decode_status_list(status_list["credentialSubject"]["encodedList"])
    assert cred.is_bit_set(bits, c.status_index)


def test_expired_reads_expired(client, certified, frozen_clock):
    c = certified.certificate
    frozen_clock.set(c.valid_until)
    assert "Status: EXPIRED" in client.get(f"/verify/{c.code}").get_data(as_text=True)
    assert client.get(f"/api/v1/certificates/{c.code}").get_json()["status"] == "expired"


def test_api_returns_fields_and_the_signed_credential(client, certified):
    data = client.get(f"/api/v1/certificates/{certified.certificate.code}").get_json()
    assert data["status"] == "valid" and data["serial"] == certified.certificate.serial
    assert data["credential"]["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_verification_is_rate_limited(app, client, certified):
    app.config["VERIFY_RATE_LIMIT"] = "3/minute"
    try:
        statuses = [client.get("/verify/unknown-code").status_code for _ in range(5)]
    finally:
        app.config.pop("VERIFY_RATE_LIMIT")
    assert statuses[:3] == [404, 404, 404] and statuses[-1] == 429


def test_issuer_profile_lists_the_keys_that_verify_credentials(client, certified):
    # Issued outside a request: under the default base URL, where the profile is served.
    profile = client.get("/issuer", base_url="http://127.0.0.1:5000").get_json()
    resolve = cred.key_resolver_from_controller(profile)
    doc = certified.certificate.credential
    assert profile["id"] == doc["issuer"]["id"]
    assert resolve(doc["proof"][0]["verificationMethod"]) is not None


# ---------------------------------------------------------------- trainee downloads


def test_my_certificates_lists_downloads_share_and_linkedin(client, certified):
    _login(client, certified.trainee)
    body = client.get("/certificates").get_data(as_text=True)
    c = certified.certificate
    assert c.serial in body
    assert f"/certificates/{c.id}/certificate.pdf" in body
    assert f"/certificates/{c.id}/credential.json" in body
    assert f"/verify/{c.code}" in body
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in body


def test_another_trainee_gets_404_for_my_downloads(client, certified):
    other = factories.make_user("trainee")
    _login(client, other)
    c = certified.certificate
    assert client.get(f"/certificates/{c.id}/certificate.pdf").status_code == 404
    assert client.get(f"/certificates/{c.id}/credential.json").status_code == 404
    assert client.get("/certificates/not-a-uuid/credential.json").status_code == 404


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pdf_has_serial_verify_link_and_embedded_credential(client, certified, settings, paper):
    _login(client, certified.trainee)
    c = certified.certificate
    response = client.get(f"/certificates/{c.id}/certificate.pdf?paper={paper}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    assert b"/EmbeddedFile" in data
    assert settings.verify_url(c.code).encode() in data  # the link annotation URI
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert c.serial in text and "Zoë Ångström-Nguyễn" in text
    attachments = reader.attachments
    (name,) = attachments
    embedded = json.loads(attachments[name][0])
    assert embedded == c.credential
    # Cached: the second download is the same bytes.
    assert client.get(f"/certificates/{c.id}/certificate.pdf?paper={paper}").get_data() == data


# ---------------------------------------------------------------- CLI


def _write(tmp_path, doc, name="credential.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_cli_verify_says_valid_for_a_downloaded_credential(client, runner, certified, tmp_path):
    _login(client, certified.trainee)
    downloaded = client.get(f"/certificates/{certified.certificate.id}/credential.json")
    result = runner.invoke(args=["certs", "verify", _write(tmp_path, downloaded.get_json())])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("VALID")
    assert "not revoked" in result.output


def test_cli_verify_says_exactly_what_fails_on_a_tampered_credential(runner, certified, tmp_path):
    doc = json.loads(json.dumps(certified.certificate.credential))
    doc["credentialSubject"]["name"] = "Evil Person"
    result = runner.invoke(args=["certs", "verify", _write(tmp_path, doc)])
    assert result.exit_code == 1
    assert "FAIL signature: signature does not match: the credential was altered" in result.output
    assert re.search(r"ok\s+schema", result.output)


def test_cli_verify_reports_revocation_and_expiry(
    runner, db_session, certified, settings, tmp_path, frozen_clock
):
    c = certified.certificate
    services.revoke_certificate(db_session, certified.admin, c.id, "Fraud", settings=settings)
    frozen_clock.set(c.valid_until)
    result = runner.invoke(args=["certs", "verify", _write(tmp_path, c.credential)])
    assert result.exit_code == 1
    assert "FAIL status: REVOKED" in result.output
    assert "FAIL validUntil: expired on" in result.output


def test_cli_verify_says_status_not_checked_when_the_list_is_unreachable(
    runner, certified, tmp_path, monkeypatch
):
    from app.certificates import cli

    def unreachable(url):
        raise OSError("connection refused")

    monkeypatch.setattr(cli, "_local_status_list", lambda settings, url: None)
    monkeypatch.setattr(cli, "_fetch_json", unreachable)
    result = runner.invoke(
        args=["certs", "verify", _write(tmp_path, certified.certificate.credential)]
    )
    assert result.exit_code == 0, result.output
    assert "status not checked" in result.output


def test_cli_rotate_key_keeps_old_certificates_verifying(runner, certified, tmp_path):
    result = runner.invoke(args=["certs", "rotate-key"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["certs", "verify", _write(tmp_path, certified.certificate.credential)]
    )
    assert result.exit_code == 0, result.output
