"""Pages of the banks domain that trainees need: question images (media)."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import login_required

from app.banks import models as m
from app.extensions import db

bp = Blueprint("banks", __name__)


@bp.get("/media/<string:sha256>")
@login_required
def media(sha256: str) -> Response:
    """A question image by content hash: immutable, typed, never sniffed or scripted."""
    row = db.session.get(m.Media, sha256)
    if row is None:
        abort(404)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Disposition"] = "inline"
    return response
