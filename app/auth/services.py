"""Account writes: registration, authentication, passwords, roles, tokens.

Every function takes the session and the acting user, flushes and never commits.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, scoped_session

from app import clock
from app.audit.services import record
from app.auth import passwords
from app.auth.models import ApiToken, Role, User
from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.i18n import SUPPORTED_LOCALES, valid_time_zone
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.jurisdictions.professions import PROFESSIONS


class WeakPassword(DomainError):
    code = "weak_password"
    status = 400


class InvalidEmail(DomainError):
    code = "invalid_email"
    status = 400


class EmailTaken(Conflict):
    code = "email_taken"
    message = _l("An account with this e-mail address already exists.")


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    message = _l("Invalid e-mail or password.")


class EmailNotVerified(InvalidCredentials):
    """Right password, but the address was never confirmed (an invitation not yet accepted)."""

    code = "email_not_verified"
    message = _l("Confirm your e-mail address first: follow the link in the message we sent you.")


class UnknownRole(DomainError):
    code = "unknown_role"
    status = 400


def normalise_email(email: str) -> str:
    """Validate syntax (no DNS lookup) and return the lower-cased address."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(_("E-mail address is not valid: %(reason)s", reason=str(exc))) from exc
    return result.normalized.lower()


def parse_role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise UnknownRole(
            _("Unknown role %(role)s; choose one of: %(roles)s.", role=repr(value), roles=allowed)
        ) from None


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email.strip().lower()))


class UnknownProfession(DomainError):
    code = "unknown_profession"
    message = _l(
        "Choose a profession from the list (%(professions)s).", professions=", ".join(PROFESSIONS)
    )


def parse_profession(value: str) -> str:
    """A profession id from the one list (or empty): anything else is refused."""
    value = (value or "").strip()
    if value and value not in PROFESSIONS:
        raise UnknownProfession()
    return value


def check_licensed_since(value: date | None) -> date | None:
    """A licence date is not in the future, nor before 1940."""
    if value is not None and not date(1940, 1, 1) <= value <= clock.utcnow().date():
        raise DomainError(
            _("The licence date is between 1940 and today."), code="licensed_since_invalid"
        )
    return value


def register_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str,
    role: Role | str = Role.TRAINEE,
    profession: str = "",
    licence_number: str = "",
    jurisdiction: str = "",
    verified: bool = True,
    licensed_since: date | None = None,
) -> User:
    """Create an account. Refuses an invalid or taken e-mail, a weak password, an unknown role.

    ``verified``: the address is taken as confirmed (an operator's ``users create``, the demo
    accounts, or a registration completed through its e-mailed link)."""
    role = parse_role(role)
    profession = parse_profession(profession)
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise DomainError(_("Name is required."), code="name_required")
    problems = passwords.password_problems(password, email=email, name=name)
    if problems:
        raise WeakPassword(" ".join(problems))
    if find_user_by_email(session, email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        name=name,
        role=role,
        profession=profession,
        licence_number=licence_number.strip(),
        jurisdiction=jurisdiction.strip(),
        licensed_since=check_licensed_since(licensed_since),
        password_hash=passwords.hash_password(password),
        is_active=True,
        session_version=1,
        created_at=clock.utcnow(),
        email_verified_at=clock.utcnow() if verified else None,
    )
    try:
        # A concurrent registration of the same address (two followed links at once) passes
        # the check above; the unique index decides, and the loser gets the same refusal.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise EmailTaken() from exc
    record(session, actor or user, "user.registered", "user", user.id, {"role": role.value})
    return user


def _end_read_only_transaction(session: Session) -> None:
    """End the transaction that only read the account, before the slow password check.

    On SQLite a POST's transaction holds the database's write lock from its first statement
    (``BEGIN IMMEDIATE``, app/extensions.py): kept open through argon2 (tens of milliseconds)
    it would make every other writer (a trainee saving an answer) wait for the hash. Nothing
    is pending at this point (the login only read), so committing loses nothing; the audit
    record below opens a short transaction of its own. On PostgreSQL it ends a snapshot early.
    """
    current = session() if isinstance(session, scoped_session) else session
    if current.in_transaction() and not (current.new or current.dirty or current.deleted):
        # The account just read stays loaded (it was read a moment ago, and the check that
        # follows needs it): reading it again after the commit cost a statement per login.
        expire, current.expire_on_commit = current.expire_on_commit, False
        try:
            current.commit()
        finally:
            current.expire_on_commit = expire


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the active user for these credentials or raise InvalidCredentials.

    Unknown e-mail, wrong password and deactivated accounts look the same (message and
    timing: a dummy hash is verified when there is no user).
    """
    user = find_user_by_email(session, email)
    stored = user.password_hash if user else None
    _end_read_only_transaction(session)
    ok = passwords.verify_password(stored, password)
    if user is None or not ok or not user.is_active:
        record(
            session,
            None,
            "auth.login_failed",
            "user",
            user.id if user else None,
            {"email": email.strip().lower()[:254]},
        )
        raise InvalidCredentials()
    if user.email_verified_at is None:
        record(session, None, "auth.login_failed", "user", user.id, {"reason": "unverified"})
        raise EmailNotVerified()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    record(session, user, "auth.login", "user", user.id)
    return user


def logout(session: Session, user: User) -> None:
    """End every session of ``user`` (bumps the session version)."""
    user.session_version += 1
    session.flush()
    record(session, user, "auth.logout", "user", user.id)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password after checking the current one; ends every other session."""
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidCredentials(_("The current password is not correct."))
    problems = passwords.password_problems(new, email=user.email, name=user.name)
    if problems:
        raise WeakPassword(" ".join(problems))
    user.password_hash = passwords.hash_password(new)
    user.session_version += 1
    session.flush()
    record(session, user, "auth.password_changed", "user", user.id)


def update_profile(
    session: Session,
    user: User,
    *,
    name: str,
    profession: str,
    licence_number: str,
    jurisdiction: str,
    licensed_since: date | None = None,
) -> None:
    """Update the editable profile fields only (never role, e-mail or activity); the audit
    event names each changed field with its value before and after (none when nothing did)."""
    if not name.strip():
        raise DomainError(_("Name is required."), code="name_required")
    wanted = {
        "name": name.strip(),
        "profession": parse_profession(profession),
        "licence_number": licence_number.strip(),
        "jurisdiction": jurisdiction.strip(),
        "licensed_since": check_licensed_since(licensed_since),
    }
    changes = {
        field: {"before": getattr(user, field), "after": value}
        for field, value in wanted.items()
        if getattr(user, field) != value
    }
    for field, value in wanted.items():
        setattr(user, field, value)
    session.flush()
    if changes:
        record(session, user, "user.profile_updated", "user", user.id, {"changes": changes})


def set_role(session: Session, actor: User | None, user: User, role: Role | str) -> None:
    """Change ``user``'s role (admin or CLI only); audited."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden()
    new_role = parse_role(role)
    old = user.role
    user.role = new_role
    session.flush()
    record(
        session, actor, "user.role_changed", "user", user.id, {"from": old.value, "to": new_role}
    )


def deactivate(session: Session, actor: User | None, user: User) -> None:
    """Deactivate ``user`` and end all their sessions and tokens; audited."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden()
    user.is_active = False
    user.session_version += 1
    now = clock.utcnow()
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    session.flush()
    record(session, actor, "user.deactivated", "user", user.id)


def reactivate(session: Session, actor: User | None, user: User) -> None:
    """Let a deactivated ``user`` log in again (their old sessions and tokens stay ended)."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden()
    if user.is_active:
        raise DomainError(_("This account is already active."), code="already_active", status=409)
    user.is_active = True
    session.flush()
    record(session, actor, "user.reactivated", "user", user.id)


def confirm_password(session: Session, user: User, password: str) -> None:
    """Check ``user``'s password again (re-authentication); audited either way."""
    if not passwords.verify_password(user.password_hash, password):
        record(session, user, "auth.reauth_failed", "user", user.id)
        raise InvalidCredentials(_("The password is not correct."))
    record(session, user, "auth.reauthenticated", "user", user.id)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "API token") -> IssuedToken:
    """Create a personal access token for ``user``; the secret is returned once, stored hashed."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=(name or "API token").strip()[:100],
        token_hash=hash_token(secret),
        created_at=clock.utcnow(),
    )
    session.add(token)
    session.flush()
    record(session, user, "token.created", "api_token", token.id, {"name": token.name})
    return IssuedToken(token=token, secret=secret)


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens; someone else's token is NotFound."""
    token = session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = clock.utcnow()
        session.flush()
        record(session, user, "token.revoked", "api_token", token.id)
    return token


TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@functools.cache
def _token_query() -> sa.Select:
    """Built once: the query of every API request (its loader option alone cost 3% of a
    worker's time in the spike when built per request; issue 19)."""
    return (
        sa.select(ApiToken)
        .options(joinedload(ApiToken.user))  # one query per request, not two
        .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    )


def user_for_token(session: Session, secret: str) -> User | None:
    """Return the active user owning an unrevoked token, marking it used; else None."""
    token = session.scalar(_token_query(), {"token_hash": hash_token(secret)})
    if token is None or not token.user.is_active:
        return None
    now = clock.utcnow()
    # Recorded at most once a minute: a write per request would serialise a script's calls.
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
    return token.user


def set_interface(
    session: Session, user: User, *, locale: str | None, time_zone: str | None
) -> None:
    """The account's interface language and time zone (None or "": follow the browser).
    Unknown values are refused (DomainError), changing nothing."""
    locale = locale or None
    time_zone = time_zone or None
    if locale is not None and locale not in SUPPORTED_LOCALES:
        raise DomainError(_("Unknown language."), code="unknown_locale")
    if time_zone is not None and valid_time_zone(time_zone) is None:
        raise DomainError(_("Unknown time zone."), code="unknown_time_zone")
    changes = {
        field: {"before": getattr(user, field), "after": value}
        for field, value in (("locale", locale), ("time_zone", time_zone))
        if getattr(user, field) != value
    }
    user.locale, user.time_zone = locale, time_zone
    session.flush()
    if changes:
        record(session, user, "user.profile_updated", "user", user.id, {"changes": changes})
