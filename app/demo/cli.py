"""``flask demo setup``: demo accounts, one per role, and the question banks of the repository.

It sits above ``auth``, ``banks`` and ``enrolment`` (it uses them), so that ``auth`` need not
import ``banks``. The demo trainee is enrolled in each program, in a demo cohort taught by the
demo instructor.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.auth import services
from app.auth.models import Role
from app.banks.loader import BankFileInvalid
from app.banks.services import import_directory
from app.demo.graduate import ensure_graduate
from app.demo.practical import DEMO_EMAILS, graduate_practical, setup_practical
from app.enrolment import queries as enrolment_queries
from app.enrolment import services as enrolment_services
from app.errors import DomainError
from app.extensions import db
from app.licensing import services as licensing_services
from app.settings import effective_settings

demo_cli = AppGroup("demo", help="Demo data for local use.")

DEMO_ACCOUNTS = [
    ("trainee@demo.example", "Demo Trainee", Role.TRAINEE),
    ("instructor@demo.example", "Demo Instructor", Role.INSTRUCTOR),
    ("admin@demo.example", "Demo Admin", Role.ADMIN),
    ("supervisor@demo.example", "Demo Supervisor", Role.INSTRUCTOR),
]


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


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
    try:
        report = import_directory(db.session, path, actor=None)
        db.session.commit()
    except BankFileInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        _fail(f"question banks in {path} are invalid: nothing was loaded", 1)
    click.echo(f"Question banks loaded from {path}: {report.summary()}")


def load_jurisdiction_rules(path: Path) -> None:
    """The shipped jurisdiction rules (new versions of changed ones, audited)."""
    try:
        counts = licensing_services.import_rules(db.session, path)
    except DomainError as exc:
        db.session.rollback()
        _fail(f"jurisdiction rules in {path} are invalid: {exc.message}", 1)
    db.session.commit()
    click.echo(f"Jurisdiction rules: {counts['added']} added, {counts['changed']} changed.")


DEMO_COHORT = "Demo intake"
# The demo trainee is a physical therapist licensed a little over two years ago.
DEMO_LICENSED_SINCE = date(2024, 6, 1)


def enrol_demo_trainee() -> None:
    """The demo cohort of each program (taught by the demo instructor) with the demo trainee
    enrolled in it (idempotent; nothing without programs, e.g. with --skip-banks)."""
    trainee = services.find_user_by_email(db.session, DEMO_ACCOUNTS[0][0])
    instructor = services.find_user_by_email(db.session, DEMO_ACCOUNTS[1][0])
    for index, program in enumerate(enrolment_queries.programs(db.session)):
        name = DEMO_COHORT if index == 0 else f"{DEMO_COHORT} ({program.slug})"
        cohort = enrolment_queries.cohort_by_name(db.session, name)
        if cohort is None:
            cohort = enrolment_services.create_cohort(
                db.session, None, name=name, program_slug=program.slug
            )
        if instructor is not None:
            enrolment_services.add_instructor(db.session, None, cohort, instructor)
        if trainee is not None and not enrolment_queries.active_enrolment(
            db.session, trainee, program
        ):
            enrolment_services.enrol(db.session, None, trainee, program, cohort)
            click.echo(f"Enrolled {trainee.email} in {program.slug} (cohort {name}).")
    db.session.commit()


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
                profession="physical_therapist",
                licensed_since=DEMO_LICENSED_SINCE,
                licence_number=f"DEMO-{role.value.upper()}",
                jurisdiction="Demo",
            )
        except DomainError as exc:
            db.session.rollback()
            _fail(f"cannot create {email}: {exc.message}", 1)
    db.session.commit()

    banks_dir = Path(current_app.root_path).parent / "question_banks"
    if banks_dir.is_dir() and not skip_banks:
        load_question_banks(banks_dir)

    enrol_demo_trainee()
    programs = enrolment_queries.programs(db.session)
    if programs:
        setup_practical(db.session, programs[0], DEMO_EMAILS)
        db.session.commit()
    try:
        graduate = ensure_graduate(
            db.session,
            password,
            effective_settings().issuer,
            DEMO_COHORT,
            before_completion=graduate_practical,
        )
        db.session.commit()
    except DomainError as exc:  # e.g. a program whose modules are not loaded
        db.session.rollback()
        graduate = None
        click.echo(f"No demo graduate: {exc.message}", err=True)
    rules_dir = banks_dir / "jurisdictions"
    if rules_dir.is_dir() and not skip_banks:
        load_jurisdiction_rules(rules_dir)
    click.echo(f"Demo accounts (password for all: {password})")
    for email, _name, role in DEMO_ACCOUNTS:
        click.echo(f"  {role.value:<10} {email}")
    if graduate is not None:
        user, certificate = graduate
        verify_url = effective_settings().issuer.verify_url(certificate.code)
        click.echo(
            f"  {'graduate':<10} {user.email} (certificate {certificate.serial}: {verify_url})"
        )


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
