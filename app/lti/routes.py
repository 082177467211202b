"""LTI endpoints. ``/lti/jwks.json`` is public: platforms fetch it to check what the tool
signs (it holds public keys only)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.extensions import db
from app.lti import keys

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.get("/jwks.json")
def jwks() -> Response:
    keyset = keys.published(db.session)
    db.session.commit()  # the first request of a fresh install made the key
    response = jsonify(keyset)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
