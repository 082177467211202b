"""Writes for LTI: registering a platform (administrators; audited)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.services import record
from app.errors import Conflict, ValidationFailed
from app.lti.models import LtiPlatform

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class PlatformFields:
    """What an administrator gives for a platform (the LMS shows each in its tool settings)."""

    name: str
    issuer: str
    client_id: str
    keyset_url: str
    auth_login_url: str
    auth_token_url: str
    deployment_ids: list[str] = field(default_factory=list)
    frame_ancestors: list[str] = field(default_factory=list)


def check_url(name: str, value: str) -> str:
    """An https URL (http only on loopback, for tests and local platforms) without a fragment,
    or ValidationFailed naming the field."""
    value = value.strip()
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or parts.fragment or len(value) > 1000:
        raise ValidationFailed(f"{name}: an https:// URL is required (got {value[:80]!r})")
    return value


def _check(fields: PlatformFields) -> PlatformFields:
    text = {"name": fields.name, "client_id": fields.client_id}
    for key, value in text.items():
        if not value.strip() or len(value) > 200 or any(ord(c) < 32 for c in value):
            raise ValidationFailed(f"{key}: one line of 1 to 200 characters")
    deployments = [d.strip() for d in fields.deployment_ids if d.strip()]
    if not deployments or any(len(d) > 255 for d in deployments):
        raise ValidationFailed("deployment_ids: at least one deployment id")
    ancestors = [check_url("frame_ancestors", a) for a in fields.frame_ancestors]
    issuer = check_url("issuer", fields.issuer)
    return PlatformFields(
        name=fields.name.strip(),
        issuer=issuer,
        client_id=fields.client_id.strip(),
        keyset_url=check_url("keyset_url", fields.keyset_url),
        auth_login_url=check_url("auth_login_url", fields.auth_login_url),
        auth_token_url=check_url("auth_token_url", fields.auth_token_url),
        deployment_ids=sorted(set(deployments)),
        frame_ancestors=ancestors or [_origin(issuer)],
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def register_platform(session: Session, actor: Any, fields: PlatformFields) -> LtiPlatform:
    """Register a platform. Refuses: ValidationFailed (a field, named), Conflict (this issuer
    and client id are registered already). Flushes; audited."""
    fields = _check(fields)
    exists = session.scalar(
        sa.select(LtiPlatform.id).where(
            LtiPlatform.issuer == fields.issuer, LtiPlatform.client_id == fields.client_id
        )
    )
    if exists is not None:
        raise Conflict("This issuer and client id are registered already.")
    platform = LtiPlatform(**fields.__dict__)
    session.add(platform)
    session.flush()
    record(session, actor, "lti.platform_registered", "lti_platform", platform.id, fields.__dict__)
    return platform
