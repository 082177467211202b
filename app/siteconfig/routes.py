"""The branding images, public: ``GET /branding/logo`` and ``GET /branding/signature``.

Endpoints ``siteconfig.logo`` and ``siteconfig.signature``; 404 when the image is not set. The
URL stays the same when an image is replaced: the response carries ``ETag: "<sha256>"`` and a
short public cache, so a replaced logo shows within minutes and an unchanged one costs a 304.
``branding_url(kind, sha256)`` adds ``?v=<sha256>`` for a URL that changes with the image (then
it may be cached for a year).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from app.extensions import db
from app.siteconfig import services

bp = Blueprint("siteconfig", __name__)

SHORT_CACHE = "public, max-age=300"
LONG_CACHE = "public, max-age=31536000, immutable"


def branding_url(kind: str, sha256: str | None = None) -> str:
    """The public URL of image ``kind`` (``logo`` or ``signature``); with its sha256, a URL
    that changes whenever the image does."""
    return url_for(f"siteconfig.{kind}", **({"v": sha256} if sha256 else {}))


def _serve(kind: str) -> Response:
    image = services.get_image(db.session, kind)
    if image is None:
        abort(404)
    response = Response(image.data, mimetype=image.mime)
    response.set_etag(image.sha256)
    versioned = request.args.get("v") == image.sha256
    response.headers["Cache-Control"] = LONG_CACHE if versioned else SHORT_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.get("/branding/logo")
def logo() -> Response:
    """The organisation's logo (PNG or JPEG), or 404."""
    return _serve("logo")


@bp.get("/branding/signature")
def signature() -> Response:
    """The signatory's signature (PNG or JPEG), or 404."""
    return _serve("signature")
