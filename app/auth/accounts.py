"""Accounts by e-mail: registration with a confirmed address, password reset, invitations.

Every function flushes and never commits; the mail it sends is written to the outbox in the
same transaction (``app.mail.outbox.queue``), so a rolled-back action mails nobody.

- Registration: ``request_registration`` answers the same whether or not the address has an
  account. A new address gets a signed link to ``/register/complete/<token>`` (expiring); the
  owner of an existing account (staff included) gets "you already have an account" with the
  way to reset the password. The account is created, already confirmed, only when the link is
  followed and the profile and terms are given (``complete_registration``): nobody can park an
  account with a password of theirs on someone else's address.
- Password reset: ``request_password_reset`` (same answer for every address), then
  ``reset_password``: the link carries a fingerprint of the password hash, so it works once,
  stops working once the password changes, and expires (``PASSWORD_RESET_MAX_AGE``). A reset
  ends every session and revokes every API token.
- Invitations: ``invite_user`` creates the account without a usable password and mails a link;
  ``accept_invitation`` sets the password and confirms the address (single use, expiring).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.auth import links, passwords
from app.auth.jurisdictions import is_known
from app.auth.models import Role, User
from app.auth.services import (
    EmailTaken,
    WeakPassword,
    check_licensed_since,
    find_user_by_email,
    normalise_email,
    parse_profession,
    parse_role,
    register_user,
)
from app.errors import DomainError, Forbidden
from app.i18n import gettext as _
from app.i18n import in_language_of
from app.i18n import lazy_gettext as _l
from app.mail.outbox import queue
from app.settings import AccountSettings


@dataclass(frozen=True)
class LinkContext:
    """What the flows need from the running app: the signing secret, the settings, a way to
    build an absolute URL (``url("auth.reset_password", token=...)``) and the site's name."""

    secret: str
    settings: AccountSettings
    url: Callable[..., str]
    site_name: str


@dataclass(frozen=True)
class Profile:
    name: str
    password: str
    profession: str = ""
    licence_number: str = ""
    jurisdiction: str = ""
    accepted_terms: bool = False
    licensed_since: date | None = None


class TermsRequired(DomainError):
    code = "terms_required"
    message = _l("Accept the terms of use to create your account.")


class UnknownJurisdiction(DomainError):
    code = "unknown_jurisdiction"
    message = _l("Choose a jurisdiction from the list.")


class ProfileIncomplete(DomainError):
    code = "profile_incomplete"
    message = _l("Give your profession, licence number and jurisdiction.")


def _check_profile(profile: Profile, *, trainee: bool) -> None:
    if not profile.name.strip():
        raise DomainError(_("Name is required."), code="name_required")
    fields = (profile.profession, profile.licence_number, profile.jurisdiction)
    if trainee and not all(f.strip() for f in fields):
        raise ProfileIncomplete()
    parse_profession(profile.profession)
    check_licensed_since(profile.licensed_since)
    if profile.jurisdiction.strip() and not is_known(profile.jurisdiction.strip()):
        raise UnknownJurisdiction()
    if not profile.accepted_terms:
        raise TermsRequired()


def _accept_terms(user: User, version: str) -> None:
    user.terms_accepted_at = clock.utcnow()
    user.terms_version = version[:20]


# ---------------------------------------------------------------- registration


def request_registration(session: Session, ctx: LinkContext, email: str) -> None:
    """Mail a registration link to a new address, or "you already have an account" to an
    existing one; the caller answers the same in both cases."""
    email = normalise_email(email)
    user = find_user_by_email(session, email)
    hours = max(1, ctx.settings.registration_link_max_age // 3600)
    if user is not None:
        with in_language_of(user):
            queue(
                session, email, "account_exists", _("Your %(site)s account", site=ctx.site_name),
                name=user.name, site=ctx.site_name, forgot_url=ctx.url("auth.forgot_password"),
                login_url=ctx.url("auth.login"),
            )  # fmt: skip
        record(session, None, "auth.registration_requested", "user", user.id, {"existing": True})
        return
    token = links.make(ctx.secret, links.REGISTRATION, {"email": email})
    queue(
        session, email, "register_verify",
        _("Confirm your e-mail address for %(site)s", site=ctx.site_name),
        site=ctx.site_name, link=ctx.url("auth.register_complete", token=token), hours=hours,
    )  # fmt: skip
    record(session, None, "auth.registration_requested", None, None, {"email": email})


def registration_email(session: Session, ctx: LinkContext, token: str) -> str:
    """The address a registration link confirms; refused once the account exists."""
    payload = links.read(
        ctx.secret, links.REGISTRATION, token, ctx.settings.registration_link_max_age
    )
    email = str(payload.get("email") or "")
    if not email or find_user_by_email(session, email) is not None:
        raise links.LinkInvalid()
    return email


def complete_registration(session: Session, ctx: LinkContext, token: str, profile: Profile) -> User:
    """Create the trainee account of a followed registration link, address confirmed."""
    email = registration_email(session, ctx, token)
    _check_profile(profile, trainee=True)
    user = register_user(
        session,
        None,
        email=email,
        name=profile.name,
        password=profile.password,
        role=Role.TRAINEE,
        profession=profile.profession,
        licence_number=profile.licence_number,
        jurisdiction=profile.jurisdiction,
        verified=True,
        licensed_since=profile.licensed_since,
    )
    _accept_terms(user, ctx.settings.terms_version)
    session.flush()
    record(
        session, user, "user.email_verified", "user", user.id,
        {"via": "registration", "terms_version": user.terms_version},
    )  # fmt: skip
    return user


# ---------------------------------------------------------------- links to an account


def _account_link(user: User, ctx: LinkContext, purpose: str) -> str:
    token = links.make(
        ctx.secret, purpose, {"uid": user.id, "fp": links.fingerprint(user.password_hash)}
    )
    endpoint = "auth.reset_password" if purpose == links.PASSWORD_RESET else "auth.accept_invite"
    return ctx.url(endpoint, token=token)


def user_for_link(
    session: Session, ctx: LinkContext, purpose: str, token: str, max_age: int
) -> User:
    """The active account a reset or invitation link names, while its password is unchanged."""
    payload = links.read(ctx.secret, purpose, token, max_age)
    user_id = payload.get("uid")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise links.LinkInvalid()
    if not secrets.compare_digest(str(payload.get("fp")), links.fingerprint(user.password_hash)):
        raise links.LinkInvalid()
    return user


# ---------------------------------------------------------------- password reset


def request_password_reset(session: Session, ctx: LinkContext, email: str) -> None:
    """Mail a reset link to an active account's address; say nothing about others."""
    email = normalise_email(email)
    user = find_user_by_email(session, email)
    if user is None or not user.is_active:
        record(session, None, "auth.password_reset_requested", None, None, {"email": email})
        return
    minutes = max(1, ctx.settings.password_reset_max_age // 60)
    with in_language_of(user):
        queue(
            session, user.email, "password_reset",
            _("Reset your %(site)s password", site=ctx.site_name),
            name=user.name, site=ctx.site_name, minutes=minutes,
            link=_account_link(user, ctx, links.PASSWORD_RESET),
            forgot_url=ctx.url("auth.forgot_password"),
        )  # fmt: skip
    record(session, None, "auth.password_reset_requested", "user", user.id)


def reset_password(session: Session, ctx: LinkContext, token: str, new_password: str) -> User:
    """Set a new password through a reset link: once; every session and API token ends."""
    max_age = ctx.settings.password_reset_max_age
    user = user_for_link(session, ctx, links.PASSWORD_RESET, token, max_age)
    problems = passwords.password_problems(new_password, email=user.email, name=user.name)
    if problems:
        raise WeakPassword(" ".join(problems))
    now = clock.utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link proved the mailbox
    revoked = 0
    for api_token in user.tokens:
        if api_token.revoked_at is None:
            api_token.revoked_at = now
            revoked += 1
    session.flush()
    record(session, user, "auth.password_reset", "user", user.id, {"tokens_revoked": revoked})
    return user


# ---------------------------------------------------------------- invitations


def invite_user(
    session: Session, actor: Any, ctx: LinkContext, email: str, role: Role | str
) -> User:
    """Create an account for ``email`` with ``role`` and mail its owner a link to set a
    password (administrators, or the command line with ``actor=None``)."""
    if actor is not None and getattr(actor, "role", None) != Role.ADMIN:
        raise Forbidden()
    role = parse_role(role)
    email = normalise_email(email)
    if find_user_by_email(session, email) is not None:
        raise EmailTaken()
    now = clock.utcnow()
    user = User(
        email=email, name="", role=role, profession="", licence_number="", jurisdiction="",
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),  # nobody knows it
        is_active=True, session_version=1, created_at=now, email_verified_at=None,
    )  # fmt: skip
    session.add(user)
    session.flush()
    days = max(1, ctx.settings.invitation_max_age // 86400)
    queue(
        session, email, "invitation", _("You are invited to %(site)s", site=ctx.site_name),
        site=ctx.site_name, role=role.value, days=days,
        link=_account_link(user, ctx, links.INVITATION),
    )  # fmt: skip
    record(session, actor, "user.invited", "user", user.id, {"role": role.value})
    return user


def invited_user(session: Session, ctx: LinkContext, token: str) -> User:
    """The account of a pending invitation link (refused once accepted or expired)."""
    max_age = ctx.settings.invitation_max_age
    user = user_for_link(session, ctx, links.INVITATION, token, max_age)
    if user.email_verified_at is not None:
        raise links.LinkInvalid()
    return user


def accept_invitation(session: Session, ctx: LinkContext, token: str, profile: Profile) -> User:
    """Set the invited account's name, password and profile; the address is confirmed."""
    user = invited_user(session, ctx, token)
    _check_profile(profile, trainee=user.role == Role.TRAINEE)
    problems = passwords.password_problems(profile.password, email=user.email, name=profile.name)
    if problems:
        raise WeakPassword(" ".join(problems))
    user.name = profile.name.strip()[:200]
    user.profession = parse_profession(profile.profession)
    user.licensed_since = profile.licensed_since
    user.licence_number = profile.licence_number.strip()[:100]
    user.jurisdiction = profile.jurisdiction.strip()[:100]
    user.password_hash = passwords.hash_password(profile.password)
    user.email_verified_at = clock.utcnow()
    _accept_terms(user, ctx.settings.terms_version)
    session.flush()
    record(
        session, user, "user.invitation_accepted", "user", user.id,
        {"terms_version": user.terms_version},
    )  # fmt: skip
    return user
