"""Certificate pages: "My certificates" (PDF, JSON, share, LinkedIn), public verification, the
issuer profile with its public keys, and the signed status list credential.

Public pages render only database data: query parameters are never echoed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

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

from app import clock
from app.certificates import keys, pdf, queries
from app.certificates.credential import CREDENTIALS_V2_CONTEXT, OB_CONTEXT
from app.certificates.models import Certificate, CertificatePdf, StatusList
from app.extensions import db, limiter
from app.settings import IssuerSettings, effective_settings, get_settings

bp = Blueprint("certificates", __name__)

JSON_LD = "application/ld+json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


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


@bp.get("/certificates")
@login_required
def mine():  # type: ignore[no-untyped-def]
    """The trainee's certificates and completions (with review notes)."""
    settings = effective_settings().issuer
    certificates = queries.certificates_for_user(db.session, current_user)
    rows = [
        {
            "summary": s,
            "verify_url": settings.verify_url(s.code),
            "linkedin_url": queries.linkedin_url(
                s.certificate, settings.name, settings.verify_url(s.code)
            ),
        }
        for s in certificates
    ]
    completions = queries.completions_for_user(db.session, current_user)
    return render_template(
        "certificates/mine.html",
        rows=rows,
        completions=completions,
        expiring=queries.expiring_soon(db.session, current_user),
    )


def _print_data(certificate: Certificate, settings: IssuerSettings) -> pdf.CertificatePrint:
    return pdf.CertificatePrint(
        serial=certificate.serial,
        learner_name=certificate.learner_name,
        licence_number=certificate.licence_number,
        program_title=certificate.program_title,
        ce_hours=certificate.ce_hours,
        issued_at=certificate.issued_at,
        valid_until=certificate.valid_until,
        issuer_name=settings.name,
        signatory=settings.signatory,
        verify_url=settings.verify_url(certificate.code),
        credential=certificate.credential,
    )


def cached_pdf(
    certificate: Certificate,
    paper: str,
    settings: IssuerSettings,
    fonts: Sequence[str] | None = None,
) -> bytes:
    """The PDF, rendered once per certificate, paper and template version (kept in the DB,
    so every app server shares it). ``fonts``: the certificate fallback fonts setting."""
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    lookup = sa.select(CertificatePdf.data).where(
        CertificatePdf.certificate_id == certificate.id,
        CertificatePdf.paper == paper,
        CertificatePdf.template_version == pdf.TEMPLATE_VERSION,
    )
    data = db.session.scalar(lookup)
    if data is not None:
        return data
    data = pdf.render_certificate_pdf(_print_data(certificate, settings), paper, fonts)
    try:
        with db.session.begin_nested():
            db.session.add(
                CertificatePdf(
                    certificate_id=certificate.id,
                    paper=paper,
                    template_version=pdf.TEMPLATE_VERSION,
                    data=data,
                    created_at=clock.utcnow(),
                )
            )
        db.session.commit()
    except IntegrityError:  # another request cached it first: serve theirs
        db.session.rollback()
        return db.session.scalar(lookup) or data
    return data


@bp.get("/certificates/<string:certificate_id>/certificate.pdf")
@login_required
def download_pdf(certificate_id: str) -> Response:
    certificate = queries.certificate_of_user(
        db.session, current_user, _uuid_or_404(certificate_id)
    )
    if certificate is None:
        abort(404)
    paper = request.args.get("paper", "a4")
    if paper not in pdf.PAPERS:
        paper = "a4"
    settings = effective_settings()
    data = cached_pdf(certificate, paper, settings.issuer, settings.certificate_fallback_fonts)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate.serial}-{paper}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/<string:certificate_id>/credential.json")
@login_required
def download_json(certificate_id: str) -> Response:
    certificate = queries.certificate_of_user(
        db.session, current_user, _uuid_or_404(certificate_id)
    )
    if certificate is None:
        abort(404)
    response = _json_response(certificate.credential, JSON_LD)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate.serial}.credential.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- public


@bp.get("/verify")
@limiter.limit(verify_rate_limit, scope="verify")
def verify_form():  # type: ignore[no-untyped-def]
    """Enter a code; a submitted code goes to its verification page."""
    code = (request.args.get("code") or "").strip()
    if code:
        code = code.rsplit("/", 1)[-1]  # a pasted verify URL works too
        return redirect(url_for("certificates.verify", code=code))
    return render_template("certificates/verify_form.html")


@bp.get("/verify/<string:code>")
@limiter.limit(verify_rate_limit, scope="verify")
def verify(code: str):  # type: ignore[no-untyped-def]
    """Learner, program, CE hours, dates, status and issuer: from the database only."""
    certificate = queries.certificate_by_code(db.session, code)
    if certificate is None:
        return render_template("certificates/verify_unknown.html"), 404
    settings = effective_settings().issuer
    response = Response(
        render_template(
            "certificates/verify.html",
            c=certificate,
            status=queries.status_of(certificate),
            successor=queries.successor_of(db.session, certificate),
            issuer_name=settings.name,
            issuer_url=settings.base_url,
            settings=settings,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def issuer_profile(settings: IssuerSettings) -> dict[str, Any]:
    """The issuer's Profile, listing every public key as a Multikey verification method."""
    methods = [
        {
            "id": settings.verification_method(row.kid),
            "type": "Multikey",
            "controller": settings.issuer_id,
            "publicKeyMultibase": row.public_key_multibase,
        }
        for row in keys.published_keys(db.session)
    ]
    profile: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT, OB_CONTEXT, MULTIKEY_CONTEXT],
        "id": settings.issuer_id,
        "type": "Profile",
        "name": settings.name,
        "url": settings.base_url,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
    if settings.email:
        profile["email"] = settings.email
    return profile


@bp.get("/issuer")
def issuer():  # type: ignore[no-untyped-def]
    """JSON-LD issuer profile (also the controller document of the signing keys)."""
    return _json_response(
        issuer_profile(effective_settings().issuer), JSON_LD, Cache_Control="public, max-age=300"
    )


@bp.get("/status/<int:list_id>")
def status_list(list_id: int):  # type: ignore[no-untyped-def]
    """The signed BitstringStatusListCredential (re-signed whenever a bit changes)."""
    row = db.session.get(StatusList, list_id)
    if row is None or row.credential is None:
        abort(404)
    return _json_response(
        row.credential, "application/vc+ld+json", Cache_Control="public, max-age=60"
    )
