"""Recent re-authentication for destructive actions (revoke, deactivate, role change).

The time the user last typed their password (at log-in or on ``/reauth``) is kept in the
signed session as an ISO timestamp. ``@recent_auth_required`` lets a view run only when that
time is within ``REAUTH_MAX_AGE_MINUTES``; otherwise nothing runs and the browser goes to
``/reauth``, which sends it back to the page the action came from (a POST cannot be replayed
by a redirect: the administrator confirms the action again there).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for

from app import clock
from app.i18n import gettext as _
from app.settings import get_settings

SESSION_KEY = "password_at"
F = TypeVar("F", bound=Callable[..., Any])


def mark_password_entered() -> None:
    """Remember now as the moment the user proved their password (call after log-in)."""
    session[SESSION_KEY] = clock.utcnow().isoformat()


def is_recent(entered: str | None, now: datetime, max_age: timedelta) -> bool:
    """Pure: was ``entered`` (an ISO timestamp, or None) within ``max_age`` before ``now``?"""
    if not entered:
        return False
    try:
        at = datetime.fromisoformat(entered)
    except ValueError:
        return False
    return at.tzinfo is not None and timedelta(0) <= now - at <= max_age


def recently_authenticated() -> bool:
    max_age = timedelta(minutes=get_settings().review.reauth_minutes)
    return is_recent(session.get(SESSION_KEY), clock.utcnow(), max_age)


def _return_path() -> str:
    """The page the action was posted from (same site only), else the admin index."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("admin.index")
    path = referrer.path or url_for("admin.index")
    return path + (f"?{referrer.query}" if referrer.query else "")


def recent_auth_required(view: F) -> F:
    """Run ``view`` only after a recent password; else go to ``/reauth`` and change nothing."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not recently_authenticated():
            flash(_("Enter your password again to do this; nothing has changed yet."), "info")
            return redirect(url_for("auth.reauth", next=_return_path()))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
