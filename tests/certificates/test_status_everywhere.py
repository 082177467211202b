"""Status everywhere and codes people can type (issue 17): the verify page, the PDF (with its
mark, logo and signature), the dashboard, the share links; codes in any case and serials."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image as PILImage
from pypdf import PdfReader

from app import clock
from app.certificates import pdf, routes, services
from app.certificates.models import CertificatePdf
from app.siteconfig.services import Branding, Image
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import login


def _login(client, user):
    assert login(client, user.email).status_code == 302


def _png(colour: str, size=(120, 40)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, format="PNG")
    data = buffer.getvalue()
    import hashlib

    return Image(data=data, mime="image/png", sha256=hashlib.sha256(data).hexdigest())


def _pdf_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


# ---------------------------------------------------------------- codes and serials


def test_a_code_resolves_in_lower_case_and_with_spaces(client, certified):
    code = certified.certificate.code
    assert len(code.replace("-", "")) == 28
    for typed in (code, code.lower(), code.replace("-", " ").lower(), code.replace("-", "")):
        response = client.get(f"/verify/{typed}")
        assert response.status_code == 200, typed
        assert certified.certificate.serial in response.get_data(as_text=True)
    folded = code.replace("1", "l").replace("0", "O")
    assert client.get(f"/verify/{folded}").status_code == 200


def test_the_printed_serial_goes_to_the_same_page(client, certified):
    c = certified.certificate
    for typed in (c.serial, c.serial.lower()):
        response = client.get(f"/verify/{typed}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/verify/{c.code}")
        form = client.get("/verify", query_string={"code": typed})
        assert form.status_code == 302 and form.headers["Location"].endswith(f"/verify/{c.code}")
    assert client.get("/verify/DNF-1999-999999").status_code == 404


def test_a_code_printed_before_the_new_format_still_resolves_exactly(client, db_session, certified):
    legacy = secrets.token_urlsafe(18)  # the old format: mixed case, case-sensitive
    certified.certificate.code = legacy
    db_session.commit()
    assert client.get(f"/verify/{legacy}").status_code == 200
    assert client.get(f"/api/v1/certificates/{legacy}").status_code == 200
    if legacy.lower() != legacy:
        assert client.get(f"/verify/{legacy.lower()}").status_code == 404


# ---------------------------------------------------------------- the verify page


def test_the_verify_page_puts_the_status_first_with_open_graph_tags(client, certified):
    body = client.get(f"/verify/{certified.certificate.code}").get_data(as_text=True)
    assert body.index("Status: VALID") < body.index("Learner")
    assert 'class="verify-banner verify-valid"' in body
    assert 'property="og:title"' in body and 'property="og:image"' in body
    assert f"/verify/{certified.certificate.code}" in body.split('property="og:url"')[1][:200]


def test_a_revoked_certificate_says_revoked_with_its_reason_and_no_valid_until(
    client, db_session, certified, settings
):
    c = certified.certificate
    services.revoke_certificate(
        db_session, certified.admin, c.id, "Licence lapsed", settings=settings
    )
    db_session.commit()
    body = client.get(f"/verify/{c.code}").get_data(as_text=True)
    assert "Status: REVOKED" in body and "Reason: Licence lapsed" in body
    assert 'class="verify-banner verify-revoked"' in body
    assert "Valid until" not in body and "valid until" not in body
    assert "REVOKED\n. Reason" not in body and "</strong>\n." not in body


def test_an_expired_certificate_shows_when_it_expired(client, certified, frozen_clock):
    c = certified.certificate
    frozen_clock.set(c.valid_until + timedelta(days=1))
    body = client.get(f"/verify/{c.code}").get_data(as_text=True)
    assert "Status: EXPIRED" in body and "It expired on" in body


def test_the_verify_page_shows_the_logo_and_signature_of_the_branding(
    client, certified, monkeypatch
):
    logo, signature = _png("navy"), _png("black")
    monkeypatch.setattr(
        routes,
        "branding",
        lambda session, issuer: Branding(issuer.name, "Dr Jane Roe", logo, signature),
    )
    body = client.get(f"/verify/{certified.certificate.code}").get_data(as_text=True)
    assert body.count("data:image/png;base64,") == 2
    assert "Dr Jane Roe" in body and 'alt="Signature of Dr Jane Roe"' in body


# ---------------------------------------------------------------- the PDF


def test_a_revoked_pdf_is_regenerated_with_the_mark_and_the_old_one_is_not_served(
    client, db_session, certified, settings
):
    c = certified.certificate
    _login(client, certified.trainee)
    before = client.get(f"/certificates/{c.id}/certificate.pdf").get_data()
    assert "REVOKED" not in _pdf_text(before)
    assert client.get(f"/certificates/{c.id}/certificate.pdf").get_data() == before  # cached

    services.revoke_certificate(
        db_session, certified.admin, c.id, "Issued in error", settings=settings
    )
    db_session.commit()
    after = client.get(f"/certificates/{c.id}/certificate.pdf").get_data()
    assert after != before
    text = _pdf_text(after)
    assert "REVOKED" in text and "Issued in error" in text
    stored = db_session.scalars(
        sa.select(CertificatePdf.data).where(CertificatePdf.certificate_id == c.id)
    ).all()
    assert before not in stored and stored == [after]


def test_a_cached_pdf_is_served_in_three_statements_and_a_stale_one_rendered_anew(
    client, db_session, certified, count_queries
):
    from app.siteconfig import services as siteconfig

    c = certified.certificate
    _login(client, certified.trainee)
    a4 = client.get(f"/certificates/{c.id}/certificate.pdf").get_data()
    letter = client.get(f"/certificates/{c.id}/certificate.pdf?paper=letter").get_data()
    assert a4 != letter  # each paper its own rendering, never the other's
    with count_queries() as cached:
        assert client.get(f"/certificates/{c.id}/certificate.pdf").get_data() == a4
    assert cached.count == 3  # the account; the certificate with its newest PDF; the settings

    siteconfig.set_value(db_session, certified.admin, "organisation", "Institute of Needling")
    db_session.commit()
    renamed = client.get(f"/certificates/{c.id}/certificate.pdf").get_data()
    assert renamed != a4 and "Institute of Needling" in _pdf_text(renamed)
    assert client.get(f"/certificates/{c.id}/certificate.pdf").get_data() == renamed
    stored = db_session.scalars(
        sa.select(CertificatePdf.data).where(
            CertificatePdf.certificate_id == c.id, CertificatePdf.paper == "a4"
        )
    ).all()
    assert stored == [renamed]


def _renew(db_session, certified, settings, frozen_clock):
    """Renew the certified trainee's certificate ten days before it expires."""
    frozen_clock.set(certified.certificate.valid_until - timedelta(days=10))
    make_attempt(db_session, certified.trainee, certified.renewal_module)
    renewal = services.record_completion(
        db_session, certified.trainee, certified.program, renewal=True, settings=settings
    )
    services.approve_completion(db_session, certified.admin, renewal.id, settings=settings)


def test_a_superseded_pdf_says_superseded(client, db_session, certified, settings, frozen_clock):
    c = certified.certificate
    _renew(db_session, certified, settings, frozen_clock)
    db_session.commit()
    _login(client, certified.trainee)
    text = _pdf_text(client.get(f"/certificates/{c.id}/certificate.pdf").get_data())
    assert "SUPERSEDED" in text


def test_a_renewed_or_replaced_certificate_names_its_successor_and_the_current_none(
    client, db_session, certified, settings, frozen_clock
):
    old = certified.certificate
    _renew(db_session, certified, settings, frozen_clock)
    renewed = services.current_certificate(db_session, certified.trainee.id, certified.program.id)
    replaced = services.reissue_certificate(
        db_session, certified.admin, renewed.id, settings=settings
    )
    db_session.commit()
    for earlier, later in ((old, renewed), (renewed, replaced)):
        page = client.get(f"/verify/{earlier.code}").get_data(as_text=True)
        assert f"/verify/{later.code}" in page and later.serial in page
        answer = client.get(f"/api/v1/certificates/{earlier.code}").json
        assert answer["superseded_by"] == later.code
    current = client.get(f"/verify/{replaced.code}").get_data(as_text=True)
    assert "verify it</a>" not in current
    assert client.get(f"/api/v1/certificates/{replaced.code}").json["superseded_by"] is None


def test_the_pdf_prints_the_logo_and_the_signature_of_the_branding(certified, settings):
    brand = Branding("Dry Needling Academy", "Dr Jane Roe", _png("navy"), _png("black"))
    data = routes.print_data(certified.certificate, settings, brand)
    with_images = pdf.render_certificate_pdf(data)
    plain = pdf.render_certificate_pdf(
        routes.print_data(certified.certificate, settings, Branding("X", "Y", None, None))
    )
    assert len(PdfReader(io.BytesIO(with_images)).pages[0].images) == 3  # QR, logo, signature
    assert len(PdfReader(io.BytesIO(plain)).pages[0].images) == 1  # the QR code
    assert "Dr Jane Roe" in _pdf_text(with_images)


# ---------------------------------------------------------------- the trainee's pages


def _completed(db_session, settings):
    trainee = factories.make_user("trainee")
    admin = factories.make_user("admin")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    completion = services.record_completion(db_session, trainee, program, settings=settings)
    db_session.commit()
    return trainee, admin, completion


def test_the_dashboard_says_waiting_for_review_then_issued(client, db_session, settings):
    trainee, admin, completion = _completed(db_session, settings)
    _login(client, trainee)
    body = client.get("/dashboard").get_data(as_text=True)
    assert "passed, waiting for review" in body and "No certificate yet" not in body
    services.approve_completion(db_session, admin, completion.id, settings=settings)
    db_session.commit()
    body = client.get("/dashboard").get_data(as_text=True)
    assert 'data-completion-state="issued"' in body and ">issued<" in body


def test_the_dashboard_says_rejected_with_the_reason(client, db_session, settings):
    trainee, admin, completion = _completed(db_session, settings)
    services.reject_completion(db_session, admin, completion.id, "Logbook missing")
    db_session.commit()
    _login(client, trainee)
    body = client.get("/dashboard").get_data(as_text=True)
    assert "rejected: Logbook missing" in body


def test_my_certificates_offers_linkedin_mail_copy_and_the_badge(client, certified):
    _login(client, certified.trainee)
    c = certified.certificate
    body = client.get("/certificates").get_data(as_text=True)
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in body
    assert "certId=" + c.serial in body and "organizationName=" in body
    assert 'href="mailto:?subject=' in body and "Share by e-mail" in body
    assert 'data-copy="share-' in body
    assert f"/certificates/{c.id}/badge.svg" in body


def test_the_cli_lists_certificates(runner, certified):
    import json

    result = runner.invoke(args=["certs", "list", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    c = certified.certificate
    assert (row["serial"], row["code"], row["status"]) == (c.serial, c.code, "valid")
    assert row["learner"] == "Zoë Ångström-Nguyễn"
    table = runner.invoke(args=["certs", "list"])
    assert c.serial in table.output and c.code in table.output


def test_demo_setup_creates_a_graduate_with_an_issued_certificate(runner, db_session, monkeypatch):
    from app.certificates import queries

    program, _modules, _ = make_program(db_session)
    db_session.commit()
    monkeypatch.setenv("DEMO_PASSWORD", "correct horse battery staple 99")
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["demo", "setup", "--skip-banks"])
        assert result.exit_code == 0, result.output
    assert "graduate@demo.example" in result.output
    from app.auth.services import find_user_by_email

    graduate = find_user_by_email(db_session, "graduate@demo.example")
    (summary,) = queries.certificates_for_user(db_session, graduate)
    assert summary.status.value == "valid" and summary.program.id == program.id
    assert summary.certificate.credential["proof"]
    listed = runner.invoke(args=["certs", "list"]).output
    assert summary.serial in listed
    assert clock.utcnow() < summary.valid_until
