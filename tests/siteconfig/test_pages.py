"""/admin/settings (a form per group, confirmed, audited, bad input changes nothing), the public
branding images, and the effective organisation and signatory on certificates."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.audit.models import AuditEvent
from app.certificates import services as cert_services
from app.siteconfig import services as siteconfig
from app.siteconfig.models import SiteImage, SiteSetting
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from
from tests.siteconfig import images


def token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_token_from(client.get("/admin/settings").get_data(as_text=True))


def post(client, path: str, prefix: str, **fields):  # type: ignore[no-untyped-def]
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(path, data={**data, "csrf_token": token(client)})


def upload(client, kind: str, data: bytes, name: str = "logo.png", confirm: bool = True):  # type: ignore[no-untyped-def]
    body = {
        "csrf_token": token(client),
        f"{kind}-image": FileStorage(io.BytesIO(data), filename=name),
        **({f"{kind}-confirm": "y"} if confirm else {}),
    }
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, encoded = encode_multipart(body)
    return client.post(
        f"/admin/settings/images/{kind}",
        data=encoded,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored(db_session) -> dict:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return siteconfig.stored_values(db_session)


def audited(db_session) -> list[AuditEvent]:
    return list(
        db_session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.startswith("site."))
            .order_by(AuditEvent.id)
        )
    )


def test_the_page_shows_where_each_value_comes_from(client, login_as):
    login_as("admin")
    page = client.get("/admin/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<div class="table-wrap"><table class="settings-table">' in html  # phone width
    assert "Dry Needling Academy" in html and "ISSUER_NAME" in html
    assert "ATTEMPT_GRACE_SECONDS" in html and "MAIL_DEFAULT_SENDER" in html
    assert "None set." in html  # neither image


def test_the_organisation_and_signatory_are_saved_only_when_confirmed(client, db_session, login_as):
    admin = login_as("admin")
    fields = {"organisation": "Institute of Needling", "signatory": "Dr Ada Byron, Registrar"}
    refused = post(client, "/admin/settings/certificates", "certificate", **fields)
    assert refused.status_code == 400 and stored(db_session) == {}
    saved = post(client, "/admin/settings/certificates", "certificate", confirm="y", **fields)
    assert saved.status_code == 302
    assert stored(db_session) == {
        "organisation": "Institute of Needling",
        "signatory": "Dr Ada Byron, Registrar",
    }
    assert [(e.subject_id, e.actor_id) for e in audited(db_session)] == [
        ("organisation", admin.id),
        ("signatory", admin.id),
    ]
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="Institute of Needling"' in page and "set here" in page


def test_one_bad_field_stores_nothing_of_its_form(client, db_session, login_as):
    login_as("admin")
    response = post(
        client,
        "/admin/settings/certificates",
        "certificate",
        organisation="Line one\tand a tab",
        signatory="Dr Ada Byron",
        confirm="y",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="certificate-organisation-error"' in html and "control character" in html
    assert stored(db_session) == {} and audited(db_session) == []


@pytest.mark.parametrize(
    "grace", ["-5", "3601", "99999999999999999999999999", "1e3", "sixty", "60.5"]
)
def test_a_bad_grace_is_refused_with_a_field_error(client, db_session, login_as, grace):
    login_as("admin")
    response = post(client, "/admin/settings/exams", "exam", grace_seconds=grace, confirm="y")
    assert response.status_code == 400
    assert 'id="exam-grace_seconds-error"' in response.get_data(as_text=True)
    assert stored(db_session) == {} and audited(db_session) == []


def test_an_empty_field_goes_back_to_the_environment(client, db_session, login_as):
    login_as("admin")
    post(client, "/admin/settings/exams", "exam", grace_seconds="20", confirm="y")
    assert stored(db_session) == {"attempt_grace_seconds": 20}
    assert post(client, "/admin/settings/exams", "exam", grace_seconds="", confirm="y").status_code
    assert stored(db_session) == {}
    assert [e.action for e in audited(db_session)] == [
        "site.setting_changed",
        "site.setting_reset",
    ]


def test_a_bad_sender_is_refused(client, db_session, login_as):
    login_as("admin")
    response = post(
        client, "/admin/settings/mail", "mail", sender="Academy <a@b.org>, c@d.org", confirm="y"
    )
    assert response.status_code == 400
    assert 'id="mail-sender-error"' in response.get_data(as_text=True)
    assert stored(db_session) == {}


def test_the_logo_is_uploaded_served_with_an_etag_replaced_and_removed(
    client, db_session, login_as
):
    login_as("admin")
    assert client.get("/branding/logo").status_code == 404
    assert upload(client, "logo", images.png(), confirm=False).status_code == 400
    assert upload(client, "logo", images.png()).status_code == 302
    row = db_session.scalar(sa.select(SiteImage))
    served = client.get("/branding/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == row.data
    assert served.headers["ETag"] == f'"{row.sha256}"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=300" in served.headers["Cache-Control"]
    again = client.get("/branding/logo", headers={"If-None-Match": f'"{row.sha256}"'})
    assert again.status_code == 304 and again.data == b""
    versioned = client.get(f"/branding/logo?v={row.sha256}")
    assert "immutable" in versioned.headers["Cache-Control"]
    page = client.get("/admin/settings").get_data(as_text=True)
    assert f"/branding/logo?v={row.sha256}" in page

    assert upload(client, "logo", images.jpeg(), "new.jpg").status_code == 302
    replaced = client.get("/branding/logo")
    assert replaced.mimetype == "image/jpeg" and replaced.headers["ETag"] != served.headers["ETag"]
    assert client.get("/branding/signature").status_code == 404

    remove = "/admin/settings/images/logo/remove"
    unconfirmed = client.post(remove, data={"csrf_token": token(client)})
    assert unconfirmed.status_code == 302 and client.get("/branding/logo").status_code == 200
    confirmed = client.post(remove, data={"csrf_token": token(client), "logo-remove-confirm": "y"})
    assert confirmed.status_code == 302
    assert client.get("/branding/logo").status_code == 404
    assert [e.action for e in audited(db_session)] == [
        "site.image_changed",
        "site.image_changed",
        "site.image_removed",
    ]


def test_the_settings_page_reads_the_images_hashes_with_the_settings(
    client, db_session, login_as, count_queries
):
    """One read path for the images' hashes: the settings page links each image by the hash
    the settings' own statement read, and no other statement touches the images."""
    login_as("admin")
    assert upload(client, "logo", images.png()).status_code == 302
    row = db_session.scalar(sa.select(SiteImage))
    with count_queries() as q:
        page = client.get("/admin/settings").get_data(as_text=True)
    assert f"/branding/logo?v={row.sha256}" in page
    reads = [s for s in q.statements if "site_images" in s]
    assert len(reads) == 1 and "site_settings" in reads[0]


def test_the_images_are_public(client, db_session):
    siteconfig.set_image(db_session, None, "signature", images.png(), 64 * 1024)
    db_session.commit()
    response = client.get("/branding/signature")  # nobody logged in
    assert response.status_code == 200 and response.mimetype == "image/png"


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (images.SVG, "logo.svg", 400, "Only PNG and JPEG"),
        (images.SVG, "logo.png", 400, "Only PNG and JPEG"),
        (images.png_with_bad_body(), "logo.png", 400, "cannot be read"),
        (images.png() + b"\x00" * (2 * 1024 * 1024), "logo.png", 413, "at most"),
    ],
    ids=["svg", "svg named png", "bad body", "oversized"],
)
def test_a_bad_upload_is_refused_with_its_reason(
    client, db_session, login_as, data, name, status, message
):
    login_as("admin")
    response = upload(client, "logo", data, name)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'id="logo-image-error"' in html and message in html
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SiteImage)) == 0
    assert audited(db_session) == []


def test_only_administrators_change_settings(client, db_session, login_as):
    login_as("instructor")
    csrf = csrf_token_from(client.get("/profile").get_data(as_text=True))
    data = {"csrf_token": csrf, "exam-grace_seconds": "1", "exam-confirm": "y"}
    assert client.post("/admin/settings/exams", data=data).status_code == 403
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SiteSetting)) == 0


def test_certificates_carry_the_stored_organisation_and_signatory(
    app, client, db_session, login_as, settings
):
    trainee = factories.make_user("trainee")
    program, modules, _ = make_program(db_session)
    for module in modules:
        make_attempt(db_session, trainee, module)
    with app.app_context():
        completion = cert_services.record_completion(
            db_session, trainee, program, settings=settings
        )
    db_session.commit()
    login_as("admin")
    fields = {"organisation": "Institute of Needling", "signatory": "Dr Ada Byron, Registrar"}
    post(client, "/admin/settings/certificates", "certificate", confirm="y", **fields)
    approve = client.post(
        f"/admin/completions/{completion.id}/approve",
        data={"csrf_token": token(client), "confirm": "y"},
    )
    assert approve.status_code == 302
    db_session.expire_all()
    certificate = cert_services.current_certificate(db_session, trainee.id, program.id)
    assert certificate.credential["issuer"]["name"] == "Institute of Needling"
    verify = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Institute of Needling" in verify
    issuer = client.get("/issuer").get_json()
    assert issuer["name"] == "Institute of Needling"

    client.post("/logout", data={"csrf_token": token(client)})
    login_as_trainee = client.post(
        "/login",
        data={
            "email": trainee.email,
            "password": factories.DEFAULT_PASSWORD,
            "csrf_token": csrf_token_from(client.get("/login").get_data(as_text=True)),
        },
    )
    assert login_as_trainee.status_code == 302
    pdf = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Dr Ada Byron, Registrar" in re.sub(r"\s+", " ", text)


def test_the_verify_page_shows_the_images_stored_now_reading_their_bytes_once(
    client, db_session, certified, count_queries
):
    """The branding's hashes are read with the settings at every request, the bytes once per
    image and process (by hash): a change made elsewhere (another server) shows at once."""
    import base64
    import hashlib

    code = certified.certificate.code
    with count_queries() as plain:
        assert client.get(f"/verify/{code}").status_code == 200
    assert plain.count == 2  # the certificate; the settings with the images' hashes

    first = siteconfig.set_image(db_session, None, "logo", images.png(color="navy"), 64 * 1024)
    db_session.commit()
    assert base64.b64encode(first.data).decode() in client.get(f"/verify/{code}").text
    with count_queries() as again:
        assert base64.b64encode(first.data).decode() in client.get(f"/verify/{code}").text
    assert again.count == 2  # the bytes are this process's already

    other = images.png(color="maroon")  # written by another server: this one holds the first
    db_session.execute(
        sa.update(SiteImage)
        .where(SiteImage.key == "logo")
        .values(data=other, sha256=hashlib.sha256(other).hexdigest())
    )
    db_session.commit()
    shown = client.get(f"/verify/{code}").text
    assert base64.b64encode(other).decode() in shown
    assert base64.b64encode(first.data).decode() not in shown

    db_session.execute(sa.delete(SiteImage))
    db_session.commit()
    assert base64.b64encode(other).decode() not in client.get(f"/verify/{code}").text
