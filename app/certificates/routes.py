"""Certificate pages: "My certificates" (PDF, JSON, badge, share), public verification (by code
or serial), the issuer profile and ``did:web`` document with the public keys, the achievements,
and the signed status list credential.

Absolute links use :func:`app.settings.issuer_settings`: ``PUBLIC_BASE_URL``, or the request's
address when it is unset.

Public pages render only database data: query parameters are never echoed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app import clock
from app.certificates import badge, keys, pdf, publishing, queries
from app.certificates.models import Certificate, CertificatePdf, StatusList
from app.extensions import db, limiter
from app.i18n import in_language_of
from app.settings import IssuerSettings, get_settings, issuer_settings
from app.siteconfig.services import Branding, branding

bp = Blueprint("certificates", __name__)

JSON_LD = "application/ld+json"


@bp.app_template_filter("b64encode")
def b64encode_filter(data: bytes) -> str:
    """Image bytes for a ``data:`` URL (the logo and signature on the verify page)."""
    return base64.b64encode(data).decode("ascii")


def verify_rate_limit() -> str:
    return get_settings().verify_rate_limit


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


def _json_response(data: Any, mimetype: str = "application/json", **headers: str) -> Response:
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype=mimetype)
    for key, value in headers.items():
        response.headers[key.replace("_", "-")] = value
    return response


# ---------------------------------------------------------------- trainee


def _share_links(certificate: Certificate, settings: IssuerSettings) -> dict[str, str]:
    verify_url = settings.verify_url(certificate.code)
    return {
        "verify_url": verify_url,
        "linkedin_url": queries.linkedin_url(certificate, settings.name, verify_url),
        "mail_url": queries.mail_share_url(certificate, settings.name, verify_url),
    }


@bp.get("/certificates")
@login_required
def mine():  # type: ignore[no-untyped-def]
    """The trainee's certificates and completions (with review notes)."""
    settings = issuer_settings()
    certificates = queries.certificates_for_user(db.session, current_user)
    rows = [{"summary": s, **_share_links(s.certificate, settings)} for s in certificates]
    completions = queries.completions_for_user(db.session, current_user)
    return render_template(
        "certificates/mine.html",
        rows=rows,
        completions=completions,
        expiring=queries.expiring_soon(db.session, current_user),
    )


def print_data(
    certificate: Certificate, settings: IssuerSettings, brand: Branding
) -> pdf.CertificatePrint:
    """What the PDF prints (the CLI and the demo use it too)."""
    return pdf.CertificatePrint(
        serial=certificate.serial,
        learner_name=certificate.learner_name,
        licence_number=certificate.licence_number,
        program_title=certificate.program_title,
        ce_hours=certificate.ce_hours,
        issued_at=certificate.issued_at,
        valid_until=certificate.valid_until,
        issuer_name=brand.organisation,
        signatory=brand.signatory,
        verify_url=settings.verify_url(certificate.code),
        credential=certificate.credential,
        status=queries.status_of(certificate).value,
        status_reason=certificate.revocation_reason or "",
        logo=brand.logo.data if brand.logo else None,
        signature=brand.signature.data if brand.signature else None,
    )


def _render_key(data: pdf.CertificatePrint) -> int:
    """Which rendering a cached PDF is: template version, status, links and images. A change
    of any (a revocation, a new logo, another address) renders anew."""
    parts = [
        str(pdf.TEMPLATE_VERSION),
        pdf.printed_locale(),  # the holder's language (docs/i18n.md)
        data.status,
        data.status_reason,
        data.verify_url,
        data.issuer_name,
        data.signatory,
        hashlib.sha256(data.logo or b"").hexdigest(),
        hashlib.sha256(data.signature or b"").hexdigest(),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def cached_pdf(
    certificate: Certificate,
    paper: str,
    settings: IssuerSettings,
    fonts: Sequence[str] | None = None,
    brand: Branding | None = None,
    newest: queries.Rendering | None = None,
) -> bytes:
    """The PDF, rendered once per certificate, paper and rendering (kept in the DB, so every
    app server shares it); older renderings of the certificate are dropped.
    ``fonts``: the certificate fallback fonts setting. ``newest``: the newest rendering
    stored, when the caller read it with the certificate (served if it is current)."""
    brand = brand or Branding(settings.name, settings.signatory, None, None)
    with in_language_of(certificate.user):
        return _cached_pdf(certificate, paper, settings, fonts, brand, newest)


def _cached_pdf(
    certificate: Certificate,
    paper: str,
    settings: IssuerSettings,
    fonts: Sequence[str] | None,
    brand: Branding,
    newest: queries.Rendering | None = None,
) -> bytes:
    data = print_data(certificate, settings, brand)
    key = _render_key(data)
    if newest is not None and newest.key == key:
        return newest.data
    lookup = sa.select(CertificatePdf.data).where(
        CertificatePdf.certificate_id == certificate.id,
        CertificatePdf.paper == paper,
        CertificatePdf.template_version == key,
    )
    cached = db.session.scalar(lookup)
    if cached is not None:
        return cached
    rendered = pdf.render_certificate_pdf(data, paper, fonts)
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.delete(CertificatePdf).where(
                    CertificatePdf.certificate_id == certificate.id,
                    CertificatePdf.paper == paper,
                )
            )
            db.session.add(
                CertificatePdf(
                    certificate_id=certificate.id,
                    paper=paper,
                    template_version=key,
                    data=rendered,
                    created_at=clock.utcnow(),
                )
            )
        db.session.commit()
    except IntegrityError:  # another request cached it first: serve theirs
        db.session.rollback()
        return db.session.scalar(lookup) or rendered
    return rendered


def _own_certificate(certificate_id: str) -> Certificate:
    certificate = queries.certificate_of_user(
        db.session, current_user, _uuid_or_404(certificate_id)
    )
    if certificate is None:
        abort(404)
    return certificate


def _attachment(data: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/<string:certificate_id>/certificate.pdf")
@login_required
def download_pdf(certificate_id: str) -> Response:
    paper = request.args.get("paper", "a4")
    if paper not in pdf.PAPERS:
        paper = "a4"
    found = queries.certificate_and_rendering(
        db.session, current_user, _uuid_or_404(certificate_id), paper
    )
    if found is None:
        abort(404)
    certificate, newest = found
    settings = get_settings()
    issuer = issuer_settings()
    data = cached_pdf(
        certificate,
        paper,
        issuer,
        settings.certificate_fallback_fonts,
        branding(db.session, issuer),
        newest,
    )
    return _attachment(data, "application/pdf", f"{certificate.serial}-{paper}.pdf")


@bp.get("/certificates/<string:certificate_id>/credential.json")
@login_required
def download_json(certificate_id: str) -> Response:
    certificate = _own_certificate(certificate_id)
    body = json.dumps(certificate.credential, indent=2, ensure_ascii=False)
    return _attachment(body, JSON_LD, f"{certificate.serial}.credential.json")


@bp.get("/certificates/<string:certificate_id>/badge.svg")
@login_required
def download_badge(certificate_id: str) -> Response:
    """The badge image with the signed credential baked in (Open Badges 3.0 SVG baking)."""
    certificate = _own_certificate(certificate_id)
    svg = badge.bake(badge.badge_svg(certificate.program_title), certificate.credential)
    return _attachment(svg, "image/svg+xml", f"{certificate.serial}.badge.svg")


# ---------------------------------------------------------------- public


@bp.get("/verify")
@limiter.limit(verify_rate_limit, scope="verify")
def verify_form():  # type: ignore[no-untyped-def]
    """Enter a code or the printed serial; either goes to the certificate's page."""
    code = (request.args.get("code") or "").strip()
    if code:
        code = code.rsplit("/", 1)[-1]  # a pasted verify URL works too
        by_serial = queries.certificate_by_serial(db.session, code)
        if by_serial is not None:
            return redirect(url_for("certificates.verify", code=by_serial.code))
        return redirect(url_for("certificates.verify", code=code))
    return render_template("certificates/verify_form.html")


@bp.get("/verify/<string:code>")
@limiter.limit(verify_rate_limit, scope="verify")
def verify(code: str):  # type: ignore[no-untyped-def]
    """Status first, then learner, program, CE hours, dates and issuer: from the database.
    A code typed in any case resolves; the printed serial redirects to the code's page."""
    certificate = queries.certificate_by_code(db.session, code)
    if certificate is None:
        by_serial = queries.certificate_by_serial(db.session, code)
        if by_serial is not None:
            return redirect(url_for("certificates.verify", code=by_serial.code))
        return render_template("certificates/verify_unknown.html"), 404
    settings = issuer_settings()
    response = Response(
        render_template(
            "certificates/verify.html",
            c=certificate,
            status=queries.status_of(certificate),
            successor=queries.successor_of(db.session, certificate),
            issuer_name=settings.name,
            issuer_url=settings.base_url,
            settings=settings,
            brand=branding(db.session, settings),
            verify_url=settings.verify_url(certificate.code),
            badge_url=settings.achievement_url(certificate.program.slug) + "/badge.svg",
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def issuer_profile(settings: IssuerSettings) -> dict[str, Any]:
    """The issuer's Profile, listing every public key as a Multikey verification method."""
    return publishing.issuer_profile(settings, keys.published_keys(db.session))


@bp.get("/issuer")
def issuer():  # type: ignore[no-untyped-def]
    """JSON-LD issuer profile (also the controller document of the signing keys)."""
    return _json_response(
        issuer_profile(issuer_settings()), JSON_LD, Cache_Control="public, max-age=300"
    )


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
def did_document():  # type: ignore[no-untyped-def]
    """The issuer's ``did:web`` document (404 while no PUBLIC_BASE_URL is configured)."""
    document = publishing.did_document(issuer_settings(), keys.published_keys(db.session))
    if document is None:
        abort(404)
    return _json_response(document, "application/did+ld+json", Cache_Control="public, max-age=300")


def _program_or_404(slug: str):  # type: ignore[no-untyped-def]
    program = queries.program_by_slug(db.session, slug)
    if program is None:
        abort(404)
    return program


@bp.get("/achievements/<string:slug>")
def achievement(slug: str):  # type: ignore[no-untyped-def]
    """What a certificate of the program certifies: a page, or JSON-LD when asked for."""
    program = _program_or_404(slug)
    settings = issuer_settings()
    document = publishing.achievement_document(
        settings,
        program.slug,
        program.title,
        program.description.strip() or program.title,
        publishing.CRITERIA,
        program.ce_hours,
    )
    wanted = request.accept_mimetypes.best_match([JSON_LD, "application/json", "text/html"])
    if wanted in (JSON_LD, "application/json"):
        return _json_response(document, JSON_LD, Cache_Control="public, max-age=300", Vary="Accept")
    response = Response(
        render_template(
            "certificates/achievement.html", program=program, document=document, settings=settings
        )
    )
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/achievements/<string:slug>/badge.svg")
def achievement_badge(slug: str) -> Response:
    """The program's badge image (without a credential: that is baked per certificate)."""
    program = _program_or_404(slug)
    response = Response(badge.badge_svg(program.title), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/status/<int:list_id>")
def status_list(list_id: int):  # type: ignore[no-untyped-def]
    """The signed BitstringStatusListCredential (re-signed whenever a bit changes)."""
    row = db.session.get(StatusList, list_id)
    if row is None or row.credential is None:
        abort(404)
    return _json_response(
        row.credential, "application/vc+ld+json", Cache_Control="public, max-age=60"
    )
