"""``flask users …`` and ``flask demo setup``."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.auth import services
from app.auth.models import Role
from app.errors import DomainError
from app.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data for local use.")

ROLE_CHOICES = [r.value for r in Role]

DEMO_ACCOUNTS = [
    ("trainee@demo.example", "Demo Trainee", Role.TRAINEE),
    ("instructor@demo.example", "Demo Instructor", Role.INSTRUCTOR),
    ("admin@demo.example", "Demo Admin", Role.ADMIN),
]


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, help=f"One of: {', '.join(ROLE_CHOICES)}")
@click.option("--profession", default="")
@click.option("--licence-number", default="")
@click.option("--jurisdiction", default="")
def create_user(
    email: str, name: str, role: str, profession: str, licence_number: str, jurisdiction: str
) -> None:
    """Create an account; the password is read from stdin (or prompted twice on a terminal)."""
    if role not in ROLE_CHOICES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLE_CHOICES)}.", 2)
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
        )
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


def demo_password(instance: Path) -> str:
    """DEMO_PASSWORD, else a password generated once into instance/demo_password."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = instance / "demo_password"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    words = [secrets.token_hex(3) for _ in range(4)]
    password = "-".join(words)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


def load_question_banks(path: Path) -> None:
    """Load question_banks/ through the banks import (all or nothing; invalid banks stop here)."""
    from app.banks.loader import BankFileInvalid
    from app.banks.services import import_directory

    try:
        report = import_directory(db.session, path, actor=None)
        db.session.commit()
    except BankFileInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        _fail(f"question banks in {path} are invalid: nothing was loaded", 1)
    click.echo(f"Question banks loaded from {path}: {report.summary()}")


@demo_cli.command("setup")
@click.option("--skip-banks", is_flag=True, help="Do not load question_banks/.")
def setup(skip_banks: bool) -> None:
    """Create one demo account per role (idempotent), load question_banks/, print the logins."""
    instance = Path(current_app.config["INSTANCE_PATH"])
    password = demo_password(instance)
    for email, name, role in DEMO_ACCOUNTS:
        user = services.find_user_by_email(db.session, email)
        if user is not None:
            continue
        try:
            services.register_user(
                db.session,
                None,
                email=email,
                name=name,
                password=password,
                role=role,
                profession="Physiotherapist",
                licence_number=f"DEMO-{role.value.upper()}",
                jurisdiction="Demo",
            )
        except DomainError as exc:
            db.session.rollback()
            _fail(f"cannot create {email}: {exc.message}", 1)
    db.session.commit()

    # --- Question banks: the banks domain fills in app.banks.services.import_directory. ---
    banks_dir = Path(current_app.root_path).parent / "question_banks"
    if banks_dir.is_dir() and not skip_banks:
        load_question_banks(banks_dir)

    click.echo(f"Demo accounts (password for all: {password})")
    for email, _name, role in DEMO_ACCOUNTS:
        click.echo(f"  {role.value:<10} {email}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
