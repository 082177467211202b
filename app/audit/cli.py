"""``flask --app wsgi audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.audit.services import verify
from app.extensions import db

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute every event's hash in order; exit 1 naming each event where the chain breaks."""
    count, breaks = verify(db.session)
    if breaks:
        for found in breaks:
            click.echo(f"event {found.event_id}: {found.reason}", err=True)
        raise click.ClickException(
            f"the audit chain is broken at {len(breaks)} place(s) among {count} event(s)"
        )
    click.echo(f"{count} audit event(s): the chain is intact")


def register_cli(app: Flask) -> None:
    app.cli.add_command(audit_cli)
