"""Public JSON verification: ``GET /api/v1/certificates/{code}`` (rate-limited, uniform 404)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.certificates import queries
from app.certificates.routes import verify_rate_limit
from app.errors import json_error
from app.extensions import ErrorEnvelope, db, limiter
from app.settings import effective_settings

blp = Blueprint(
    "api_certificates",
    __name__,
    url_prefix="/api/v1",
    description="Public verification of certificates by their code.",
)


class CertificateVerification(Schema):
    status = fields.String(
        required=True,
        metadata={"description": "valid, expired, revoked or superseded (renewed)."},
    )
    serial = fields.String(required=True)
    learner_name = fields.String(required=True)
    licence_number = fields.String(required=True)
    program = fields.String(required=True)
    ce_hours = fields.Float(required=True)
    issued_at = fields.DateTime(required=True)
    valid_until = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    superseded_by = fields.String(allow_none=True, metadata={"description": "Successor's code."})
    issuer = fields.Dict(required=True)
    verify_url = fields.String(required=True)
    credential = fields.Dict(
        required=True, metadata={"description": "The signed Open Badges 3.0 credential."}
    )


@blp.route("/certificates/<string:code>", methods=["GET"])
@limiter.limit(verify_rate_limit, scope="verify-api")
@blp.response(200, CertificateVerification)
@blp.alt_response(404, schema=ErrorEnvelope, description="No certificate has this code.")
@blp.alt_response(429, schema=ErrorEnvelope, description="Too many verification requests.")
def get_certificate(code: str) -> Any:
    """Verify a certificate: its status, what it certifies, and the signed credential."""
    certificate = queries.certificate_by_code(db.session, code)
    if certificate is None:
        return json_error(404, "not_found", "No certificate has this code.")
    settings = effective_settings().issuer
    successor = queries.successor_of(db.session, certificate)
    return {
        "status": queries.status_of(certificate).value,
        "serial": certificate.serial,
        "learner_name": certificate.learner_name,
        "licence_number": certificate.licence_number,
        "program": certificate.program_title,
        "ce_hours": certificate.ce_hours,
        "issued_at": certificate.issued_at,
        "valid_until": certificate.valid_until,
        "revoked_at": certificate.revoked_at,
        "revocation_reason": certificate.revocation_reason,
        "superseded_by": successor.code if successor is not None else None,
        "issuer": {"id": settings.issuer_id, "name": settings.name, "url": settings.base_url},
        "verify_url": settings.verify_url(certificate.code),
        "credential": certificate.credential,
    }
