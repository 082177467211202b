"""``flask --app wsgi attempts …``: housekeeping a scheduler runs (closing expired attempts)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from app.quiz.services import close_expired
from app.settings import get_settings

attempts_cli = AppGroup("attempts", help="Quiz attempts: housekeeping.")


@attempts_cli.command("close-expired")
def close_expired_command() -> None:
    """Grade every attempt past its deadline + grace, with submitted_at = the deadline."""
    closed = close_expired(db.session, get_settings().attempt_grace_seconds)
    db.session.commit()
    click.echo(f"closed {closed} expired attempt(s)")


def register_cli(app: Flask) -> None:
    app.cli.add_command(attempts_cli)
