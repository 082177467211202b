"""Pages of an LTI session may be framed by the platform that launched it, and only by it.

The launch stores the registration's frame ancestors in the session; every response of that
session then carries ``Content-Security-Policy`` with ``frame-ancestors <those origins>``
instead of ``'none'`` (and no ``X-Frame-Options: DENY``, see app/security.py). Any other
session keeps ``frame-ancestors 'none'``.
"""

from __future__ import annotations

from flask import Flask, Response, session

from app.security import CSP_TEMPLATE, csp_nonce

SESSION_KEY = "lti_frame_ancestors"


def allow_framing_by(ancestors: list[str]) -> None:
    session[SESSION_KEY] = list(ancestors)


def init_framing(app: Flask) -> None:
    @app.after_request
    def frame_ancestors(response: Response) -> Response:
        ancestors = session.get(SESSION_KEY)
        if ancestors and "Content-Security-Policy" not in response.headers:
            policy = CSP_TEMPLATE.format(nonce=csp_nonce()).replace(
                "frame-ancestors 'none'", "frame-ancestors " + " ".join(ancestors)
            )
            response.headers["Content-Security-Policy"] = policy
        return response
