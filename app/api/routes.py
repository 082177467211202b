"""Personal access tokens and ``/me`` over JSON."""

from __future__ import annotations

from typing import Any

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth import services
from app.auth.throttle import (
    authenticate_throttled,
    login_ip_limit,
    login_pair_limit,
    login_throttle,
)
from app.errors import json_error
from app.extensions import ErrorEnvelope, csrf, db, rate_limit_key

blp = Blueprint(
    "api_auth",
    __name__,
    url_prefix="/api/v1",
    description="Personal access tokens and the current user.",
)


class TokenRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    name = fields.String(load_default="API token", validate=validate.Length(min=1, max=100))


class TokenCreated(Schema):
    id = fields.Integer(required=True)
    token = fields.String(required=True, metadata={"description": "Shown once; send as Bearer."})
    name = fields.String(required=True)


class Me(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    profession = fields.String(
        metadata={
            "description": "A profession id (physical_therapist, chiropractor, ...) or empty."
        }
    )
    licensed_since = fields.Date(allow_none=True)
    licence_number = fields.String()
    jurisdiction = fields.String()


@blp.route("/tokens", methods=["POST"])
@csrf.exempt  # no session: the credentials are in the body, the token only in the response
@login_ip_limit
@login_pair_limit
@blp.arguments(TokenRequest())
@blp.response(201, TokenCreated)
@blp.alt_response(401, schema=ErrorEnvelope, description="Invalid e-mail or password.")
@blp.alt_response(
    429, schema=ErrorEnvelope, description="Too many logins from this address or for this account."
)
def create_token(body: dict[str, Any]) -> Any:
    """Exchange e-mail and password for a personal access token."""
    try:
        user = authenticate_throttled(
            db.session, login_throttle(), body["email"], body["password"], rate_limit_key()
        )
    except services.InvalidCredentials as exc:
        db.session.commit()  # keep the audit row of the failure
        return json_error(401, exc.code, exc.message)
    issued = services.create_token(db.session, user, body.get("name") or "API token")
    created = {"id": issued.token.id, "token": issued.secret, "name": issued.token.name}
    db.session.commit()  # (what it answers was read before: nothing is loaded again)
    return created


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@login_required
@blp.response(204)
@blp.alt_response(404, schema=ErrorEnvelope, description="No such token of yours.")
def delete_token(token_id: int) -> None:
    """Revoke one of your own tokens."""
    services.revoke_token(db.session, current_user._get_current_object(), token_id)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, Me)
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
def me() -> Any:
    """The authenticated user."""
    user = current_user
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "profession": user.profession,
        "licensed_since": user.licensed_since,
        "licence_number": user.licence_number,
        "jurisdiction": user.jurisdiction,
    }
