"""``flask mail send``: send what is due in the outbox (for cron, every minute)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app import clock
from app.extensions import db
from app.mail import outbox
from app.mail.sender import send_batch
from app.settings import effective_settings

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--limit", default=1000, show_default=True, help="At most this many messages.")
def send(limit: int) -> None:
    """Send every due message (new ones and retries whose backoff has passed). Idempotent:
    a message is claimed before it is sent, so two runs at once never send it twice."""
    settings = effective_settings().mail
    if not settings.configured:
        waiting = len(outbox.due_ids(db.session, clock.utcnow(), limit))
        click.echo(f"MAIL_SERVER is not set: {waiting} message(s) wait in the outbox.")
        return
    sent = failed = 0
    while sent + failed < limit:
        report = send_batch(db.session, settings, None)
        sent, failed = sent + len(report.sent), failed + len(report.failed)
        if not report.sent and not report.failed:
            break
        if report.failed and not report.sent:
            break  # the server is down: the rest waits for the next run
    click.echo(f"Sent {sent}, failed {failed} (retried later with backoff).")


def register_cli(app: Flask) -> None:
    app.cli.add_command(mail_cli)
