"""One-line factories for tests: ``make_user(role="admin")``, ``make_token(user)``.

They write through the session set by the ``db_session`` fixture (or an explicit
``session=``), flush, and never commit.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.auth import passwords
from app.auth.models import ApiToken, Role, User
from app.auth.services import IssuedToken, create_token

DEFAULT_PASSWORD = "correct horse battery staple 42"
_DEFAULT_HASH: str | None = None
_counter = itertools.count(1)
_session: Session | None = None


def use_session(session: Session | None) -> None:
    """Set the session the factories write to (done by the ``db_session`` fixture)."""
    global _session
    _session = session


def _get_session(session: Session | None) -> Session:
    chosen = session or _session
    if chosen is None:
        raise RuntimeError("factories need the db_session fixture or an explicit session=")
    return chosen


def _default_hash() -> str:
    global _DEFAULT_HASH
    if _DEFAULT_HASH is None:
        _DEFAULT_HASH = passwords.hash_password(DEFAULT_PASSWORD)
    return _DEFAULT_HASH


def make_user(role: str | Role = "trainee", *, session: Session | None = None, **kw: Any) -> User:
    """A confirmed user with password ``DEFAULT_PASSWORD`` (or ``password=``)."""
    sess = _get_session(session)
    n = next(_counter)
    password = kw.pop("password", None)
    user = User(
        email=kw.pop("email", f"user{n}@example.org").lower(),
        name=kw.pop("name", f"Test User {n}"),
        role=Role(role),
        profession=kw.pop("profession", "Physiotherapist"),
        licence_number=kw.pop("licence_number", f"LIC-{n:05d}"),
        jurisdiction=kw.pop("jurisdiction", "Ontario"),
        password_hash=passwords.hash_password(password) if password else _default_hash(),
        is_active=kw.pop("is_active", True),
        session_version=kw.pop("session_version", 1),
        created_at=kw.pop("created_at", clock.utcnow()),
        # Confirmed unless a test says otherwise (``email_verified_at=None``: cannot log in).
        email_verified_at=kw.pop("email_verified_at", clock.utcnow()),
        **kw,
    )
    sess.add(user)
    sess.flush()
    return user


def make_token(
    user: User, name: str = "test token", *, session: Session | None = None
) -> IssuedToken:
    """A personal access token; ``.secret`` is the Bearer value, ``.token`` the row."""
    return create_token(_get_session(session), user, name)


__all__ = ["DEFAULT_PASSWORD", "ApiToken", "make_token", "make_user", "use_session"]
