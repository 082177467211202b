"""``flask jurisdictions import|list`` and ``flask reports roster|attestation|adverse-events``.

Bad arguments (an unknown program, e-mail or jurisdiction, a date range backwards, an output
folder that does not exist) give a clear error and write nothing; each export is audited."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app import clock
from app.audit.services import record
from app.auth.services import find_user_by_email
from app.banks.models import Program
from app.errors import DomainError
from app.extensions import db
from app.licensing import queries, reports, services
from app.settings import get_settings

jurisdictions_cli = AppGroup("jurisdictions", help="Jurisdiction rules (issue 16).")
reports_cli = AppGroup("reports", help="Reports for boards and CE trackers.")

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _fail(message: str, code: int = 2) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@jurisdictions_cli.command("import")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def import_command(folder: Path) -> None:
    """Store the rule files of FOLDER (new versions of changed rules, audited with the diff).
    All or nothing: a file with an error stops the import."""
    if not folder.is_dir():
        _fail(f"{folder} is not a folder.")
    try:
        counts = services.import_rules(db.session, folder)
    except DomainError as exc:
        _fail(exc.message, 1)
    db.session.commit()
    click.echo(
        f"Jurisdiction rules: {counts['added']} added, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged."
    )


@jurisdictions_cli.command("list")
def list_command() -> None:
    """Every stored rule with its version and review date (past review flagged)."""
    today = clock.utcnow().date()
    for rule in queries.stored_rules(db.session):
        flag = "  PAST REVIEW" if rule.review_by < today else ""
        click.echo(f"{rule.rule_id}\tv{rule.version}\treview by {rule.review_by}{flag}")


def _program(slug: str) -> Program:
    program = db.session.scalar(sa.select(Program).where(Program.slug == slug))
    if program is None:
        _fail(f"no program {slug!r}.")
    return program  # type: ignore[return-value]


def _range(start: datetime, end: datetime) -> tuple[date, date]:
    if end < start:
        _fail("--to comes before --from.")
    return start.date(), end.date()


def _out(path: Path, suffix: str) -> Path:
    if path.suffix.lower() != suffix:
        _fail(f"--out must end in {suffix}.")
    if not path.parent.is_dir():
        _fail(f"the folder {path.parent} does not exist.")
    if path.is_dir():
        _fail(f"{path} is a folder.")
    return path


def _options(command):  # type: ignore[no-untyped-def]
    for option in reversed(
        [
            click.option("--program", "slug", required=True, help="The program's slug."),
            click.option("--from", "start", required=True, type=DAY, help="YYYY-MM-DD"),
            click.option("--to", "end", required=True, type=DAY, help="YYYY-MM-DD (included)"),
            click.option("--out", required=True, type=click.Path(path_type=Path)),
        ]
    ):
        command = option(command)
    return command


@reports_cli.command("roster")
@_options
def roster_command(slug: str, start: datetime, end: datetime, out: Path) -> None:
    """The CE-tracker roster: completions of a program in a date range (docs/reports.md)."""
    program, (low, high), out = _program(slug), _range(start, end), _out(out, ".csv")
    text, count = reports.roster_csv(db.session, program, low, high)
    record(
        db.session, None, "report.roster", "program", program.slug,
        {"from": low.isoformat(), "to": high.isoformat(), "rows": count, "via": "cli"},
    )  # fmt: skip
    out.write_text(text, encoding="utf-8")
    db.session.commit()
    click.echo(f"Roster: {count} completion(s) written to {out}.")


@reports_cli.command("adverse-events")
@_options
def adverse_command(slug: str, start: datetime, end: datetime, out: Path) -> None:
    """Adverse events logged by the program's trainees in a date range, with a summary per
    region."""
    program, (low, high), out = _program(slug), _range(start, end), _out(out, ".csv")
    text, count = reports.adverse_csv(db.session, program, low, high)
    record(
        db.session, None, "report.adverse_events", "program", program.slug,
        {"from": low.isoformat(), "to": high.isoformat(), "rows": count, "via": "cli"},
    )  # fmt: skip
    out.write_text(text, encoding="utf-8")
    db.session.commit()
    click.echo(f"Adverse events: {count} written to {out}.")


@reports_cli.command("attestation")
@click.option("--email", required=True)
@click.option(
    "--jurisdiction", "rule_id", required=True, help="A rule id (us-fl-physical-therapist)."
)
@click.option("--out", required=True, type=click.Path(path_type=Path))
def attestation_command(email: str, rule_id: str, out: Path) -> None:
    """One trainee's evidence against one jurisdiction's rule, as a PDF."""
    user = find_user_by_email(db.session, email)
    if user is None:
        _fail(f"no account {email!r}.")
    standing = queries.standing(db.session, user, rule_id)  # type: ignore[arg-type]
    if standing is None:
        _fail(f"no jurisdiction {rule_id!r} (flask jurisdictions list).")
    out = _out(out, ".pdf")
    issuer = get_settings().issuer
    data = reports.packet(
        db.session,
        user,
        standing,
        issuer.verify_url,
        clock.utcnow().date(),  # type: ignore[arg-type]
    )
    pdf = reports.render(data, issuer.name)
    record(
        db.session, None, "report.attestation", "user", user.id,  # type: ignore[union-attr]
        {"jurisdiction": rule_id, "status": standing.result.status.value, "via": "cli"},  # type: ignore[union-attr]
    )  # fmt: skip
    out.write_bytes(pdf)
    db.session.commit()
    click.echo(f"Attestation written to {out}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(jurisdictions_cli)
    app.cli.add_command(reports_cli)
