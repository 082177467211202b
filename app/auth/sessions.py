"""Flask-Login wiring: versioned session ids, bearer tokens, CSRF for non-bearer requests."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from app.auth import services
from app.auth.models import User
from app.errors import json_error
from app.extensions import csrf, db, login_manager
from app.i18n import gettext


@functools.cache
def _user_by_id() -> sa.Select:
    """Built once: the statement of every signed-in request. ``session.get`` builds its own at
    every call (the session is new at each request, so it always queries): about 75 us more
    per request in one process on SQLite (issue 19)."""
    return sa.select(User).where(User.id == sa.bindparam("user_id"))


@login_manager.user_loader
def load_user(alt_id: str) -> User | None:
    """Load ``"<id>:<session_version>"``; a stale version or inactive account → anonymous."""
    try:
        raw_id, raw_version = alt_id.split(":", 1)
        user_id, version = int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None
    user = db.session.scalar(_user_by_id(), {"user_id": user_id})
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def bearer_user() -> User | None:
    """The user of a valid ``Authorization: Bearer`` token, cached for the request."""
    if "bearer_user" not in g:
        secret = bearer_secret()
        g.bearer_user = services.user_for_token(db.session, secret) if secret else None
    return g.bearer_user


@login_manager.request_loader
def load_user_from_request(_request: Any) -> User | None:
    return bearer_user()


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    if request.path.startswith("/api/") or _wants_json():
        return json_error(401, "unauthorized", gettext("Authentication required."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


UNSAFE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def _is_csrf_exempt() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return True
    exempt_views = getattr(csrf, "_exempt_views", set())
    if f"{view.__module__}.{view.__name__}" in exempt_views:
        return True
    # Flask-WTF keeps exempted blueprints as objects (older releases kept their names).
    exempt_bps = {getattr(bp, "name", bp) for bp in getattr(csrf, "_exempt_blueprints", set())}
    return request.blueprint in exempt_bps


def init_sessions(app: Flask) -> None:
    """Install the bearer/CSRF hook. CSRF is skipped only for bearer-authenticated requests."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def authenticate_bearer_and_check_csrf() -> Any:
        if bearer_secret() is not None:
            user = bearer_user()
            if user is None:
                return json_error(401, "invalid_token", "The bearer token is invalid or revoked.")
            if current_user.is_authenticated and current_user.id != user.id:
                abort(400, "Conflicting credentials.")
            # last_used_at moved (at most once a minute). A request that changes state commits
            # it with its own work (one transaction: a spike of first requests writes once
            # each); a read commits it here. A refused request drops it, and the next one
            # records the use.
            if db.session.dirty and request.method not in UNSAFE_METHODS:
                try:
                    db.session.commit()
                except OperationalError:  # a busy SQLite file: the timestamp can wait
                    db.session.rollback()
            return None
        if (
            request.method in UNSAFE_METHODS
            and not current_user.is_authenticated
            and not request.path.startswith("/api/")
            and _wants_json()
        ):
            # A background save (autosave) after the session ended: say so with a 401 the page
            # can act on (keep the draft, ask to log in) rather than a CSRF 400.
            return json_error(
                401,
                "session_expired",
                gettext("Your session has ended: log in again to keep saving."),
            )
        if (
            app.config.get("WTF_CSRF_ENABLED", True)
            and request.method in app.config.get("WTF_CSRF_METHODS", UNSAFE_METHODS)
            and request.endpoint
            and not _is_csrf_exempt()
        ):
            csrf.protect()
        return None
