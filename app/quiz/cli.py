"""``flask --app wsgi attempts …``: housekeeping a scheduler runs (closing expired attempts)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.quiz.services import close_expired

attempts_cli = AppGroup("attempts", help="Quiz attempts: housekeeping.")


@attempts_cli.command("close-expired")
def close_expired_command() -> None:
    """Grade every attempt past its deadline + grace, with submitted_at = the deadline."""
    closed = close_expired(db.session, current_app.config.get("ATTEMPT_GRACE_SECONDS"))
    db.session.commit()
    click.echo(f"closed {closed} expired attempt(s)")


def register_cli(app: Flask) -> None:
    app.cli.add_command(attempts_cli)
