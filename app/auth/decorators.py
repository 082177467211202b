"""Access rules visible at the route: ``@role_required("admin")``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.auth.denied import note_denied
from app.auth.models import Role
from app.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role | str) -> Callable[[F], F]:
    """Allow only logged-in users having one of ``roles``: anonymous → login, others → 403."""
    allowed = {Role(r) for r in roles}

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                note_denied(db.session, current_user._get_current_object())
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(allowed)  # type: ignore[attr-defined]  # OpenAPI docs
        return wrapped  # type: ignore[return-value]

    return decorator
