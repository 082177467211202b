"""The tool's RSA keys: generated on first use (a fresh install publishes one), rotated by an
administrator, published at ``/lti/jwks.json``.

The private key is kept in the database row, not in ``instance/``: every app server must sign
with the same key and a rotation must reach all of them at once (database backups therefore
hold it: protect them as the database). A retired key stays in the keyset for
``RETIRED_PUBLISHED`` so that a platform that cached the keyset keeps verifying.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from jwcrypto import jwk
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.lti.models import LtiToolKey

RSA_BITS = 2048
RETIRED_PUBLISHED = timedelta(days=7)


def _new_key() -> LtiToolKey:
    kid = secrets.token_urlsafe(16)
    key = jwk.JWK.generate(kty="RSA", size=RSA_BITS, kid=kid, alg="RS256", use="sig")
    public = key.export_public(as_dict=True)
    public.update(alg="RS256", use="sig", kid=kid)
    private = key.export_to_pem(private_key=True, password=None).decode()
    return LtiToolKey(kid=kid, public_jwk=public, private_pem=private, created_at=clock.utcnow())


def active_key(session: Session) -> LtiToolKey:
    """The key that signs now; made on first use (two first uses at once: one wins)."""
    key = session.scalar(
        sa.select(LtiToolKey)
        .where(LtiToolKey.retired_at.is_(None))
        .order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
        .limit(1)
    )
    if key is not None:
        return key
    key = _new_key()
    try:
        with session.begin_nested():
            session.add(key)
            session.flush()
    except IntegrityError:  # pragma: no cover - a kid collision is 2**-128
        return active_key(session)
    record(session, None, "lti.key_created", "lti_tool_key", key.kid, {"reason": "first use"})
    return key


def rotate(session: Session, actor: Any) -> LtiToolKey:
    """Retire every signing key and make a new one (audited); returns the new key."""
    now = clock.utcnow()
    retired = list(
        session.scalars(sa.select(LtiToolKey.kid).where(LtiToolKey.retired_at.is_(None)))
    )
    session.execute(
        sa.update(LtiToolKey).where(LtiToolKey.retired_at.is_(None)).values(retired_at=now)
    )
    key = _new_key()
    session.add(key)
    session.flush()
    record(session, actor, "lti.key_rotated", "lti_tool_key", key.kid, {"retired": retired})
    return key


def published(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The keyset: the active key (made if there is none) and keys retired recently."""
    active_key(session)
    cutoff = clock.utcnow() - RETIRED_PUBLISHED
    rows = session.scalars(
        sa.select(LtiToolKey)
        .where(sa.or_(LtiToolKey.retired_at.is_(None), LtiToolKey.retired_at > cutoff))
        .order_by(LtiToolKey.created_at.desc(), LtiToolKey.id.desc())
    )
    return {"keys": [dict(row.public_jwk) for row in rows]}


def private_jwk(key: LtiToolKey) -> jwk.JWK:
    return jwk.JWK.from_pem(key.private_pem.encode())


def public_pem(key: LtiToolKey) -> str:
    return jwk.JWK(**key.public_jwk).export_to_pem().decode()
