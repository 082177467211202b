"""Writes for LTI: registering a platform (administrators; audited); linking a launched
person to a local account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth import passwords
from app.auth.models import Role, User
from app.banks.models import Program
from app.enrolment import queries as enrolment_queries
from app.enrolment import services as enrolment_services
from app.errors import Conflict, ValidationFailed
from app.i18n import gettext as _
from app.lti.models import LtiAccount, LtiPlatform

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
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a bad port raises ValueError)
    except ValueError:
        parts = urlsplit("")
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    hostile = any(c.isspace() or ord(c) < 32 or c in "\"'<>;,\\" for c in value)
    if hostile or not secure or not parts.hostname or parts.fragment or len(value) > 1000:
        raise ValidationFailed(
            _(
                "%(field)s: an https:// URL is required (got %(value)s)",
                field=name,
                value=repr(value[:80]),
            )
        )
    return value


def check_origin(name: str, value: str) -> str:
    """An origin (``https://host[:port]``, nothing after it): what ``frame-ancestors`` takes.
    Anything more could smuggle another directive into the Content-Security-Policy."""
    value = check_url(name, value).rstrip("/")
    parts = urlsplit(value)
    if parts.path or parts.query or parts.username or parts.password or "@" in parts.netloc:
        raise ValidationFailed(
            _("%(field)s: an origin such as https://lms.example.org is required", field=name)
        )
    return value


def _check(fields: PlatformFields) -> PlatformFields:
    text = {"name": fields.name, "client_id": fields.client_id}
    for key, value in text.items():
        if not value.strip() or len(value) > 200 or any(ord(c) < 32 for c in value):
            raise ValidationFailed(_("%(field)s: one line of 1 to 200 characters", field=key))
    deployments = [d.strip() for d in fields.deployment_ids if d.strip()]
    if not deployments or any(len(d) > 255 or _control(d) for d in deployments):
        raise ValidationFailed(_("deployment_ids: at least one deployment id"))
    ancestors = [check_origin("frame_ancestors", a) for a in fields.frame_ancestors if a.strip()]
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


def _control(value: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in value)


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
        raise Conflict(_("This issuer and client id are registered already."))
    platform = LtiPlatform(**fields.__dict__)
    session.add(platform)
    session.flush()
    record(session, actor, "lti.platform_registered", "lti_platform", platform.id, fields.__dict__)
    return platform


def update_platform(
    session: Session, actor: Any, platform: LtiPlatform, fields: PlatformFields
) -> LtiPlatform:
    """Change a registration. Refuses as ``register_platform`` does (nothing changes).
    Audited with what changed (before and after). Flushes."""
    fields = _check(fields)
    clash = session.scalar(
        sa.select(LtiPlatform.id).where(
            LtiPlatform.issuer == fields.issuer,
            LtiPlatform.client_id == fields.client_id,
            LtiPlatform.id != platform.id,
        )
    )
    if clash is not None:
        raise Conflict(_("This issuer and client id are registered already."))
    changes = {}
    for key, value in fields.__dict__.items():
        if getattr(platform, key) != value:
            changes[key] = {"from": getattr(platform, key), "to": value}
            setattr(platform, key, value)
    session.flush()
    if changes:
        record(session, actor, "lti.platform_changed", "lti_platform", platform.id, changes)
    return platform


def set_disabled(session: Session, actor: Any, platform: LtiPlatform, disabled: bool) -> bool:
    """Disable (launches refused, not framed, score posts held) or re-enable a registration.
    Returns whether anything changed; audited when it did. Flushes."""
    if (platform.disabled_at is not None) == disabled:
        return False
    platform.disabled_at = clock.utcnow() if disabled else None
    action = "lti.platform_disabled" if disabled else "lti.platform_enabled"
    record(session, actor, action, "lti_platform", platform.id, {"issuer": platform.issuer})
    session.flush()
    return True


INSTRUCTOR_ROLES = {
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
}
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"


def mapped_role(claims: dict[str, Any]) -> Role:
    """Instructor (or teaching assistant, content developer) → instructor; anyone else →
    trainee. Never admin: a platform cannot make an administrator here."""
    roles = claims.get(ROLES_CLAIM) or []
    if isinstance(roles, list) and INSTRUCTOR_ROLES.intersection(map(str, roles)):
        return Role.INSTRUCTOR
    return Role.TRAINEE


def link_account(
    session: Session, platform: LtiPlatform, claims: dict[str, Any]
) -> tuple[User, bool]:
    """The local account of the launching person, by (issuer, subject); created on the first
    launch with the mapped role. Returns (user, created). Never links to an existing account
    by e-mail: a platform's word on an address is not proof of owning that local account."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise ValidationFailed(_("sub: the launch names no person"))
    link = session.scalar(
        sa.select(LtiAccount).where(
            LtiAccount.issuer == platform.issuer, LtiAccount.subject == subject
        )
    )
    now = clock.utcnow()
    if link is not None:
        link.last_launch_at = now
        user = session.get(User, link.user_id)
        assert user is not None
        return user, False
    digest = hashlib.sha256(f"{platform.issuer}|{subject}".encode()).hexdigest()[:24]
    name = " ".join(str(claims.get("name") or "").split())[:200] or f"LTI learner {digest[:8]}"
    user = User(
        email=f"lti-{digest}@lti.invalid",  # not an address: such accounts log in by launch
        name=name,
        role=mapped_role(claims),
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
        is_active=True,
        session_version=1,
        created_at=now,
    )
    session.add(user)
    session.flush()
    session.add(
        LtiAccount(
            platform_id=platform.id,
            issuer=platform.issuer,
            subject=subject,
            user_id=user.id,
            created_at=now,
            last_launch_at=now,
        )
    )
    session.flush()
    record(
        session,
        user,
        "lti.account_created",
        "user",
        user.id,
        {"issuer": platform.issuer, "role": user.role.value},
    )
    return user, True


def enrol_for_module(session: Session, user: User, slug: str) -> list[str]:
    """A launched trainee is enrolled in every program that holds the module the link names
    (unless enrolled already), so the module is theirs to take. Returns the programs' slugs."""
    if user.role != Role.TRAINEE:
        return []
    enrolled = []
    for program in session.scalars(sa.select(Program).order_by(Program.id)):
        holds = slug in (program.module_slugs or []) or slug == program.renewal_module_slug
        if holds and enrolment_queries.active_enrolment(session, user, program) is None:
            enrolment_services.enrol(session, None, user, program)
            enrolled.append(program.slug)
    return enrolled


def instructor_of_launch(session: Session, claims: dict[str, Any]) -> User:
    """The linked instructor account of a stored launch, or LaunchRefused-like ValidationFailed."""
    link = session.scalar(
        sa.select(LtiAccount).where(
            LtiAccount.issuer == str(claims.get("iss")),
            LtiAccount.subject == str(claims.get("sub")),
        )
    )
    user = session.get(User, link.user_id) if link is not None else None
    if user is None or user.role != Role.INSTRUCTOR:
        raise ValidationFailed(_("Only an instructor can place modules in a course."))
    return user
