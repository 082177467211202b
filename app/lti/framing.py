"""Pages of an LTI session may be framed by the platform that launched it, and only by it.

The launch stores the registration's id in the session; every response of that session then
carries ``Content-Security-Policy`` with ``frame-ancestors <the registration's origins>``
(read from the registration at each response, so an edit or a disabling takes effect at once:
a disabled registration's session gets ``'none'``) instead of ``'none'`` (and no
``X-Frame-Options: DENY``, see app/security.py). Any other session keeps
``frame-ancestors 'none'``. Its cookie is ``SameSite=None; Secure; Partitioned``
over https (``LtiSessionInterface``), so that it reaches the tool inside the iframe.
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from app.extensions import db
from app.lti.models import LtiPlatform
from app.security import CSP_TEMPLATE, csp_nonce

SESSION_KEY = "lti_platform"


def allow_framing_by(platform: LtiPlatform) -> None:
    session[SESSION_KEY] = platform.id


def framing_ancestors() -> list[str]:
    """The origins that may frame this session's pages: the launching registration's, none
    when the session is not an LTI one or its registration is disabled or gone."""
    platform_id = session.get(SESSION_KEY)
    if not isinstance(platform_id, int):
        return []
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None or platform.disabled_at is not None:
        return []
    return list(platform.frame_ancestors)


def _lti_session_over_https() -> bool:
    return has_request_context() and request.is_secure and bool(session.get(SESSION_KEY))


class LtiSessionInterface(SecureCookieSessionInterface):
    """An LTI session lives inside the platform's iframe, a third-party context where a
    ``SameSite=Lax`` cookie is never sent: its cookie is ``SameSite=None; Secure;
    Partitioned`` (over https). Every other session keeps the configured ``Lax``. Cross-site
    posts carrying it still need a CSRF token like any other."""

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if _lti_session_over_https() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return True if _lti_session_over_https() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return True if _lti_session_over_https() else super().get_cookie_partitioned(app)


def init_framing(app: Flask) -> None:
    app.session_interface = LtiSessionInterface()

    @app.after_request
    def frame_ancestors(response: Response) -> Response:
        ancestors = framing_ancestors() if SESSION_KEY in session else []
        if ancestors and "Content-Security-Policy" not in response.headers:
            policy = CSP_TEMPLATE.format(nonce=csp_nonce()).replace(
                "frame-ancestors 'none'", "frame-ancestors " + " ".join(ancestors)
            )
            response.headers["Content-Security-Policy"] = policy
        return response
