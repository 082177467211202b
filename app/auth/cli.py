"""``flask users …``: create accounts, invite, change roles, deactivate."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app.auth import services
from app.auth.models import Role, User
from app.errors import DomainError
from app.extensions import db
from app.jurisdictions.professions import PROFESSIONS

users_cli = AppGroup("users", help="Manage user accounts.")

ROLE_CHOICES = [r.value for r in Role]


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


# Called with (session, user, program slug, cohort name) when ``--enrol``/``--cohort`` is given,
# before the commit (raising DomainError undoes the account too). Registered by app.enrolment,
# which sits above auth.
after_create: list[Callable[[Session, User, str, str], None]] = []


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, help=f"One of: {', '.join(ROLE_CHOICES)}")
@click.option(
    "--profession",
    default="",
    type=click.Choice(["", *PROFESSIONS]),
    help="A profession id: " + ", ".join(PROFESSIONS),
)
@click.option(
    "--licensed-since",
    default=None,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First licensed on (YYYY-MM-DD).",
)
@click.option("--licence-number", default="")
@click.option("--jurisdiction", default="")
@click.option("--enrol", "enrol", default="", help="Trainees: enrol in this program (slug).")
@click.option("--cohort", "cohort", default="", help="Trainees: enrol in this cohort (name).")
def create_user(
    email: str,
    name: str,
    role: str,
    profession: str,
    licensed_since: datetime | None,
    licence_number: str,
    jurisdiction: str,
    enrol: str,
    cohort: str,
) -> None:
    """Create an account; the password is read from stdin (or prompted twice on a terminal)."""
    if role not in ROLE_CHOICES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLE_CHOICES)}.", 2)
    if (enrol or cohort) and role != Role.TRAINEE.value:
        _fail("--enrol and --cohort are for trainees (--role trainee).", 2)
    password = _read_password()
    try:
        user = services.register_user(
            db.session,
            None,
            email=email,
            name=name,
            password=password,
            role=role,
            profession=profession,
            licence_number=licence_number,
            jurisdiction=jurisdiction,
            licensed_since=licensed_since.date() if licensed_since else None,
        )
        if enrol or cohort:
            if not after_create:
                raise DomainError("enrolment is not available in this application.")
            for hook in after_create:
                hook(db.session, user, enrol, cohort)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc.message, 1)
        return
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


def _user_or_fail(email: str):  # type: ignore[no-untyped-def]
    user = services.find_user_by_email(db.session, email)
    if user is None:
        _fail(f"no user with e-mail {email!r}.", 1)
    return user


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True, help=f"One of: {', '.join(ROLE_CHOICES)}")
def set_role(email: str, role: str) -> None:
    """Change a user's role."""
    if role not in ROLE_CHOICES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLE_CHOICES)}.", 2)
    user = _user_or_fail(email)
    services.set_role(db.session, None, user, role)
    db.session.commit()
    click.echo(f"{user.email} is now {user.role.value}.")


@users_cli.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Deactivate a user: their sessions and tokens stop working at once."""
    user = _user_or_fail(email)
    services.deactivate(db.session, None, user)
    db.session.commit()
    click.echo(f"{user.email} is deactivated.")


@users_cli.command("invite")
@click.option("--email", required=True)
@click.option("--role", required=True, help=f"One of: {', '.join(ROLE_CHOICES)}")
def invite(email: str, role: str) -> None:
    """Invite someone: the account is created and its owner mailed a single-use link to set
    a password (sent now when MAIL_SERVER is set, else left in the outbox)."""
    from app.auth import accounts
    from app.mail.sender import send_batch
    from app.settings import effective_settings

    if role not in ROLE_CHOICES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLE_CHOICES)}.", 2)
    settings = effective_settings()
    base = settings.public_base_url
    ctx = accounts.LinkContext(
        secret=settings.practice_secret,  # SECRET_KEY
        settings=settings.accounts,
        url=lambda endpoint, **values: base + _path(endpoint, **values),
        site_name=settings.issuer.name,
    )
    try:
        user = accounts.invite_user(db.session, None, ctx, email, role)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc.message, 1)
        return
    queued = _queued_ids()
    db.session.commit()
    report = send_batch(db.session, settings.mail, queued)
    state = "sent" if report.sent else "left in the outbox (flask mail send retries)"
    click.echo(f"Invited {user.email} as {user.role.value}: invitation {state}.")


@users_cli.command("accommodate")
@click.option("--email", required=True)
@click.option("--time-factor", type=float, default=None, help="Timed exams: × the time limit.")
@click.option("--extra-attempts", type=int, default=None, help="More attempts per exam module.")
@click.option("--reason", required=True, help="Why (kept in the record and the audit log).")
def accommodate(
    email: str, time_factor: float | None, extra_attempts: int | None, reason: str
) -> None:
    """Grant a trainee an accommodation (from their next attempt): a time factor (1-4) and/or
    extra attempts (0-10); an option left out keeps its current value. The trainee is mailed."""
    from app.auth import accommodations
    from app.mail.sender import send_batch
    from app.settings import effective_settings

    if time_factor is None and extra_attempts is None:
        _fail("give --time-factor and/or --extra-attempts.", 2)
    user = _user_or_fail(email)
    settings = effective_settings()
    kept = accommodations.terms_for(db.session, user.id)
    try:
        row = accommodations.grant(
            db.session,
            None,
            user,
            time_factor=kept.time_factor if time_factor is None else time_factor,
            extra_attempts=kept.extra_attempts if extra_attempts is None else extra_attempts,
            reason=reason,
            mail=accommodations.MailContext(
                site_name=settings.issuer.name,
                modules_url=settings.public_base_url + _path("quiz.modules"),
            ),
        )
    except DomainError as exc:
        db.session.rollback()
        _fail(exc.message, 1)
        return
    queued = _queued_ids()
    db.session.commit()
    send_batch(db.session, settings.mail, queued)
    click.echo(
        f"{user.email}: time factor {row.time_factor:g}, {row.extra_attempts} extra attempt(s) "
        "from the next attempt; the trainee is mailed."
    )


def _path(endpoint: str, **values: object) -> str:
    """A URL path outside any request (the command line has no host: PUBLIC_BASE_URL is)."""
    from flask import current_app, url_for

    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def _queued_ids() -> list[int]:
    from app.mail.outbox import take_queued_ids

    return take_queued_ids(db.session)


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
