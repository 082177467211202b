"""Domain errors and the single place that turns errors into HTML pages or JSON envelopes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from app.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A failure the user can cause. Subclass per failure, setting ``code`` and ``status``.

    ``DomainError(_("message"))`` or ``DomainError(_("message"), code="x", status=409)``.
    The message is for people: marked for translation where it is raised (``gettext``, whole
    sentences with named placeholders) or, as a class default, with ``lazy_gettext``. It is
    turned into text in the language of the moment it is raised: the page's language, English
    under ``/api/`` (``app.i18n.select_locale``) and outside a request (CLI, jobs).
    """

    code: str = "domain_error"
    status: int = 400
    message: str = _l("The request could not be completed.")

    def __init__(
        self, message: str | None = None, *, code: str | None = None, status: int | None = None
    ) -> None:
        # str(): a lazy class default becomes text now, in the language of the moment
        self.message = str(message if message is not None else self.message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _l("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    message = _l("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = _l("This conflicts with the current state.")


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400
    message = _l("The input is not valid.")


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
}

HTML_TEMPLATES = {400, 403, 404, 429, 500}
BUSY_RETRY_AFTER_S = 2  # seconds a client is told to wait when the database is busy (503)


def wants_json() -> bool:
    """True for API paths, where errors are JSON envelopes."""
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    """The JSON error envelope ``{"error": {"code", "message"}}``."""
    body: dict[str, Any] = {"code": code, "message": str(message)}
    body.update(extra)
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _validation_message(exc: HTTPException) -> tuple[str, dict[str, Any]]:
    """Flatten webargs/marshmallow messages into one sentence naming the fields."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not messages:
        return (exc.description or "The input is not valid."), {}
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if key in {"json", "query", "form", "files", "headers", "path", "_schema"}:
                    walk(prefix, sub)
                else:
                    walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            text = " ".join(str(v) for v in value)
            parts.append(f"{prefix}: {text}" if prefix else text)
        else:
            parts.append(f"{prefix}: {value}" if prefix else str(value))

    walk("", messages)
    return "; ".join(parts) or "The input is not valid.", {"fields": _fields_by_location(messages)}


def _fields_by_location(messages: Any) -> dict[str, Any]:
    """``error.fields``: always location → field → messages (OpenAPI ``ErrorBody.fields``).

    webargs gives a list, not a mapping, when the whole body is refused (``{"json": ["Invalid
    JSON body."]}``); marshmallow's name for such whole-schema messages is ``_schema``.
    """
    if not isinstance(messages, dict):
        return {"json": {"_schema": [str(messages)]}}
    return {
        str(location): value if isinstance(value, dict) else {"_schema": value}
        for location, value in messages.items()
    }


def _render(
    status: int, code: str, message: str, *, shown: bool = False, **extra: Any
) -> Response | tuple[str, int]:
    """JSON under /api/; elsewhere the friendly page for ``status``.

    The page says what happened in plain words; ``message`` is shown on it only when ``shown``
    (a DomainError's or a form validation's message, written for people), never a server's
    own description (werkzeug's "The requested URL was not found on the server...").
    """
    if wants_json():
        return json_error(status, code, message, **extra)
    template = f"errors/{status}.html" if status in HTML_TEMPLATES else "errors/generic.html"
    detail = message if shown else None
    return render_template(
        template, status=status, code=code, detail=detail, **_ways_back()
    ), status


def _ways_back() -> dict[str, str | None]:
    """An error page's ways back: the page the visitor came from (same site only) and the
    issuer's contact address (``ISSUER_EMAIL``), each None when there is none."""
    from urllib.parse import urlsplit

    from app.security import is_safe_next

    back = None
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc == request.host:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        back = path if is_safe_next(path) and path != request.full_path.rstrip("?") else None
    try:
        from app.settings import get_settings

        contact = get_settings().issuer.email
    except Exception:  # an error page must render even if settings cannot load
        contact = None
    return {"back_url": back, "contact_email": contact}


def _database_busy(exc: Exception) -> bool:
    """SQLite's writer lock still held by another request after ``busy_timeout``."""
    from sqlalchemy.exc import OperationalError

    from app.transactions import is_lock_error

    return isinstance(exc, OperationalError) and is_lock_error(exc)


def _busy():  # type: ignore[no-untyped-def]
    """503 with Retry-After: the request changed nothing (its transaction is rolled back) and
    can simply be sent again; not a 500, which would say the server is broken (issue 19: the
    SQLite spike)."""
    from app.extensions import db
    from app.i18n import gettext as _

    db.session.rollback()
    log.warning("database busy: request %s %s refused with 503", request.method, request.path)
    message = _("The service is busy; nothing was saved. Please try again in a moment.")
    rendered = _render(503, "database_busy", message, shown=True)
    response = rendered if isinstance(rendered, Response) else Response(*rendered)
    response.status_code = 503
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
    return response


def register_error_handlers(app: Flask) -> None:
    """Install the one handler for DomainError, HTTP errors and unexpected exceptions."""

    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        return _render(exc.status, exc.code, exc.message, shown=True)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        extra: dict[str, Any] = {}
        if status == 422:
            status = 400
            message, extra = _validation_message(exc)
            code = "validation_error"
        else:
            code = HTTP_CODES.get(status, "error")
            message = exc.description or ""
            if status == 400 and getattr(exc, "data", None):
                message, extra = _validation_message(exc)
                code = "validation_error" if extra else code
        if code == "bad_request" and "CSRF" in message:
            code = "csrf_failed"
        response = _render(status, code, message, shown=bool(extra), **extra)
        if isinstance(response, Response):
            for key, value in exc.get_headers() if status != 422 else []:
                if key.lower() not in {"content-type"}:
                    response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        if isinstance(exc, HTTPException):
            return handle_http_error(exc)
        if _database_busy(exc):
            return _busy()
        log.exception("Unhandled error", exc_info=exc)
        err = InternalServerError()
        return _render(500, "internal_error", err.description or "Internal error")
