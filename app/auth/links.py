"""Signed, expiring account links (registration, password reset, invitation). Pure.

A link carries a payload signed with the instance's secret and a purpose (the salt), so a
reset link cannot be used as an invitation. Links that act on an existing account also carry
a fingerprint of its password hash: setting a password changes the hash, so the link works
once and stops working when the password changes by any other means.
"""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app import clock
from app.errors import DomainError
from app.i18n import lazy_gettext as _l

REGISTRATION = "register"
PASSWORD_RESET = "password-reset"
INVITATION = "invitation"


class LinkInvalid(DomainError):
    code = "link_invalid"
    status = 400
    message = _l("This link is not valid or has already been used. Ask for a new one.")


class LinkExpired(LinkInvalid):
    code = "link_expired"
    message = _l("This link has expired. Ask for a new one.")


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class _ClockSigner(TimestampSigner):
    """Timestamps from ``app.clock`` (so tests can move time), not ``time.time``."""

    def get_timestamp(self) -> int:
        return int(clock.utcnow().timestamp())


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"account-link/{purpose}", signer=_ClockSigner)


def make(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return str(_serializer(secret, purpose).dumps(payload))


def read(secret: str, purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a valid link; ``LinkExpired`` past ``max_age`` seconds, else
    ``LinkInvalid`` for anything forged, truncated or made for another purpose."""
    try:
        payload = _serializer(secret, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise LinkInvalid() from None
    if not isinstance(payload, dict):
        raise LinkInvalid()
    return payload
