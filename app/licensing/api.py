"""``GET /api/v1/me/jurisdictions``: every jurisdiction for the trainee's profession."""

from __future__ import annotations

from typing import Any

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.auth.decorators import role_required
from app.auth.models import Role
from app.extensions import ErrorEnvelope, db
from app.licensing import queries

blp = Blueprint(
    "api_licensing",
    __name__,
    url_prefix="/api/v1",
    description="Jurisdictions: where a trainee may practise dry needling.",
)


class GapOut(Schema):
    kind = fields.String(
        required=True,
        metadata={
            "description": "years_licensed | hours | hours_mode | hours_area | sessions | "
            "practical | condition | profession | practice"
        },
    )
    needed = fields.Float(required=True)
    have = fields.Float(required=True)
    message = fields.String(required=True)


class JurisdictionOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    profession = fields.String(required=True)
    chosen = fields.Boolean(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["met", "not_met", "unconfirmed"])
    )
    missing = fields.List(fields.Nested(GapOut), required=True)
    as_of = fields.String(
        required=True, metadata={"format": "date", "description": "When the rule was read."}
    )
    review_by = fields.String(
        required=True,
        metadata={"format": "date", "description": "By when the rule must be read again."},
    )


@blp.route("/me/jurisdictions", methods=["GET"])
@login_required
@role_required(Role.TRAINEE)
@blp.response(200, JurisdictionOut(many=True))
@blp.alt_response(401, schema=ErrorEnvelope, description="Not authenticated.")
@blp.alt_response(403, schema=ErrorEnvelope, description="Not a trainee.")
def my_jurisdictions() -> Any:
    """Every jurisdiction for your profession with its status and what is missing (figures
    marked [verify] and conditions only a body can confirm give "unconfirmed")."""
    user: Any = current_user
    return [s.as_dict() for s in queries.standings(db.session, user._get_current_object())]
