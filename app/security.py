"""Security headers with a per-response CSP nonce, and safe ``next`` redirects."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

CSP_TEMPLATE = (
    "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def csp_nonce() -> str:
    """The nonce for this response; use as ``<script nonce="{{ csp_nonce() }}">``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def is_safe_next(target: str | None) -> bool:
    """Accept only relative same-host paths: ``/x`` but not ``//evil``, ``https:evil``, ``/\\``."""
    if not target or not isinstance(target, str):
        return False
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_next(target) else default


def init_security_headers(app: Flask) -> None:
    app.add_template_global(csp_nonce)

    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP_TEMPLATE.format(nonce=csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # A page framed by a registered LTI platform carries its own frame-ancestors
        # (app/lti/framing.py); X-Frame-Options would forbid what that CSP allows.
        if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
            headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("APP_ENV") == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # A view that set its own Cache-Control (``/healthz``: no-store) is left as it is,
        # and ``carries_personal_data`` (which loads the session's user) is not asked.
        if "Cache-Control" not in headers and carries_personal_data():
            headers["Cache-Control"] = "no-store"
        return response


# Public pages that show a person's name or result although nobody is logged in.
PUBLIC_PERSONAL_ENDPOINTS = frozenset({"certificates.verify", "certificates.verify_form"})


def carries_personal_data() -> bool:
    """True when the response may hold personal data, so no browser or proxy may store it:
    the JSON API, the account pages, the public verify page, and every page served to a
    logged-in user. Static files, the issuer profile and status lists are cacheable."""
    from flask_login import current_user

    endpoint = request.endpoint or ""
    if endpoint == "static":
        return False
    if request.path.startswith("/api/") or endpoint.startswith("auth."):
        return True
    if endpoint in PUBLIC_PERSONAL_ENDPOINTS:
        return True
    return bool(current_user and current_user.is_authenticated)
