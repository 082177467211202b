"""``flask cohorts …``: create cohorts, add their instructors, enrol trainees (one or a CSV)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.models import User
from app.auth.services import find_user_by_email
from app.enrolment import queries, services
from app.enrolment.csv_import import CsvInvalid
from app.errors import DomainError
from app.extensions import db

cohorts_cli = AppGroup("cohorts", help="Cohorts (intakes) and enrolments.")


def _fail(message: str, code: int = 1) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date (YYYY-MM-DD).", 2)
    return None


def _user(email: str) -> User:
    user = find_user_by_email(db.session, email)
    if user is None:
        _fail(f"no user with e-mail {email!r}.", 1)
    assert user is not None
    return user


@cohorts_cli.command("create")
@click.option("--name", required=True)
@click.option("--program", "program", required=True, help="The program's slug.")
@click.option("--starts", default=None, help="First day, YYYY-MM-DD.")
@click.option("--ends", default=None, help="Last day, YYYY-MM-DD.")
@click.option("--instructor", "instructors", multiple=True, help="An instructor's e-mail.")
def create(
    name: str, program: str, starts: str | None, ends: str | None, instructors: tuple[str, ...]
) -> None:
    """Create a cohort (an intake) of a program."""
    starts_on, ends_on = _date(starts, "--starts"), _date(ends, "--ends")
    try:
        cohort = services.create_cohort(
            db.session, None, name=name, program_slug=program, starts_on=starts_on, ends_on=ends_on
        )
        for email in instructors:
            services.add_instructor(db.session, None, cohort, _user(email))
    except DomainError as exc:
        _fail(exc.message)
        return
    db.session.commit()
    click.echo(f"Created cohort {cohort.name} ({cohort.program.slug}).")


@cohorts_cli.command("add-instructor")
@click.option("--cohort", "cohort_name", required=True)
@click.option("--email", required=True)
def add_instructor(cohort_name: str, email: str) -> None:
    """Let an instructor see and report on a cohort's trainees."""
    _change_instructor(cohort_name, email, services.add_instructor, "teaches")


@cohorts_cli.command("remove-instructor")
@click.option("--cohort", "cohort_name", required=True)
@click.option("--email", required=True)
def remove_instructor(cohort_name: str, email: str) -> None:
    """Stop an instructor seeing a cohort's trainees."""
    _change_instructor(cohort_name, email, services.remove_instructor, "no longer teaches")


def _change_instructor(cohort_name: str, email: str, change, verb: str) -> None:  # type: ignore[no-untyped-def]
    """Add or remove (``change``) an instructor of a cohort; an error exits, changing nothing."""
    cohort = queries.cohort_by_name(db.session, cohort_name)
    if cohort is None:
        _fail(f"no cohort {cohort_name!r}.")
        return
    try:
        change(db.session, None, cohort, _user(email))
    except DomainError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"{email} {verb} {cohort.name}.")


@cohorts_cli.command("enrol")
@click.option("--cohort", "cohort_name", default=None, help="The cohort's name.")
@click.option("--email", default=None, help="One trainee (with --cohort).")
@click.option(
    "--csv",
    "csv_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="email,program[,cohort] lines: all or nothing.",
)
def enrol(cohort_name: str | None, email: str | None, csv_path: Path | None) -> None:
    """Enrol one trainee in a cohort, or every line of a CSV file (all or nothing)."""
    if csv_path is not None:
        if email or cohort_name:
            _fail("give --csv alone, or --cohort with --email.", 2)
        _enrol_csv(csv_path)
        return
    if not (cohort_name and email):
        _fail("give --cohort and --email (or --csv FILE).", 2)
    assert cohort_name and email
    try:
        row = services.enrol_by_name(db.session, None, _user(email), cohort=cohort_name)
    except DomainError as exc:
        _fail(exc.message)
        return
    db.session.commit()
    click.echo(f"Enrolled {email} in {row.program.slug} (cohort {cohort_name}).")


def _enrol_csv(path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path.name}: {exc.strerror}.", 2)
        return
    try:
        rows = services.enrol_csv(db.session, None, data)
    except CsvInvalid as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        _fail(f"{path.name} was refused: nobody was enrolled.")
        return
    db.session.commit()
    click.echo(f"Enrolled {len(rows)} trainee(s) from {path.name}.")


@cohorts_cli.command("withdraw")
@click.option("--email", required=True)
@click.option("--program", "program", required=True, help="The program's slug.")
def withdraw(email: str, program: str) -> None:
    """Withdraw a trainee from a program (the enrolment stays in the history)."""
    user = _user(email)
    chosen = queries.program_by_slug(db.session, program)
    if chosen is None:
        _fail(f"no program {program!r}.")
        return
    enrolment = queries.active_enrolment(db.session, user, chosen)
    if enrolment is None:
        _fail(f"{email} is not enrolled in {program}.")
        return
    services.withdraw(db.session, None, enrolment)
    db.session.commit()
    click.echo(f"Withdrew {email} from {program}.")


def enrol_new_trainee(session, user: User, program: str, cohort: str) -> None:  # type: ignore[no-untyped-def]
    """``users create --enrol/--cohort``: enrol the new account (raises DomainError)."""
    services.enrol_by_name(session, None, user, program=program, cohort=cohort)


def register_cli(app: Flask) -> None:
    from app.auth.cli import after_create

    app.cli.add_command(cohorts_cli)
    if enrol_new_trainee not in after_create:
        after_create.append(enrol_new_trainee)
