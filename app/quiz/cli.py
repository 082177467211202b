"""``flask --app wsgi attempts …``: housekeeping a scheduler runs (closing expired attempts)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import DomainError
from app.extensions import db
from app.quiz import deadlines
from app.quiz.services import close_expired
from app.settings import effective_settings

attempts_cli = AppGroup("attempts", help="Quiz attempts: housekeeping, deadline extensions.")


@attempts_cli.command("close-expired")
def close_expired_command() -> None:
    """Grade every attempt past its deadline + grace, with submitted_at = the deadline."""
    closed = close_expired(db.session, effective_settings().attempt_grace_seconds)
    db.session.commit()
    click.echo(f"closed {closed} expired attempt(s)")


@attempts_cli.command("extend")
@click.option("--attempt", "attempt_id", type=int, required=True, help="The attempt's id.")
@click.option("--minutes", type=int, required=True, help="Extra minutes (1-480).")
@click.option("--reason", required=True, help="Why (kept in the record and the audit log).")
def extend_command(attempt_id: int, minutes: int, reason: str) -> None:
    """Move the deadline of one open timed attempt by MINUTES (audited)."""
    try:
        row = deadlines.extend(
            db.session,
            None,
            attempt_id,
            minutes,
            reason,
            effective_settings().attempt_grace_seconds,
        )
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"Error: {exc.message}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    when = "%Y-%m-%d %H:%M:%S"
    click.echo(
        f"attempt {attempt_id}: deadline moved by {row.minutes} min, "
        f"from {row.deadline_before:{when}} to {row.deadline_after:{when}} UTC"
    )


def register_cli(app: Flask) -> None:
    app.cli.add_command(attempts_cli)
