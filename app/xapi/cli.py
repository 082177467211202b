"""``flask xapi send``: send what is due in the xAPI outbox (for cron, every minute)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app import clock
from app.extensions import db
from app.settings import get_settings
from app.xapi import outbox
from app.xapi.sender import send_batch

xapi_cli = AppGroup("xapi", help="xAPI statements to the learning record store.")


@xapi_cli.command("send")
@click.option("--limit", default=1000, show_default=True, help="At most this many statements.")
def send(limit: int) -> None:
    """Send every due statement (new ones and retries whose backoff has passed). Safe to run
    twice at once: a statement is claimed before it is sent."""
    settings = get_settings().xapi
    if not settings.configured:
        waiting = len(outbox.due_ids(db.session, clock.utcnow(), limit))
        click.echo(f"XAPI_ENDPOINT is not set: xAPI is off ({waiting} statement(s) waiting).")
        return
    sent = failed = 0
    while sent + failed < limit:
        report = send_batch(db.session, settings, None)
        sent, failed = sent + len(report.sent), failed + len(report.failed)
        if not report.sent:
            break  # nothing due, or the store is down: the rest waits for the next run
    click.echo(f"Sent {sent}, failed {failed} (retried later with backoff).")


@xapi_cli.command("status")
def status() -> None:
    """How many statements are pending, being sent and sent."""
    for name, n in sorted(outbox.counts(db.session).items()):
        click.echo(f"{name}: {n}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(xapi_cli)
