"""``flask notify due``: write the notifications that are due to the outbox (for cron)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup

from app import clock
from app.extensions import db
from app.mail.outbox import take_queued_ids
from app.mail.sender import send_batch
from app.notify import services
from app.settings import effective_settings

notify_cli = AppGroup("notify", help="Notifications by e-mail.")


def _context() -> services.NotifyContext:
    settings = effective_settings()
    base = settings.public_base_url

    def url(endpoint: str, **values: object) -> str:
        with current_app.test_request_context("/"):
            return base + url_for(endpoint, **values)

    return services.NotifyContext(
        secret=settings.practice_secret, url=url, site_name=settings.issuer.name
    )


@notify_cli.command("due")
@click.option("--dry-run", is_flag=True, help="List what is due; write and send nothing.")
@click.option("--lookback-days", default=7, show_default=True, help="Ignore older events.")
def due(dry_run: bool, lookback_days: int) -> None:
    """Notify what is due (results, certificates, expiry in 60 and 14 days), each once: safe
    to run as often as you like (cron: hourly or daily), and concurrently."""
    if lookback_days < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--lookback-days")
    ctx = _context()
    items = services.due(db.session, clock.utcnow(), timedelta(days=lookback_days), ctx)
    if dry_run:
        for item in items:
            click.echo(f"{item.kind}\t{item.user.email}\t{item.subject}")
        click.echo(f"{len(items)} notification(s) due (dry run: nothing written).")
        db.session.rollback()
        return
    written: Counter[str] = Counter(
        item.kind for item in items if services.send(db.session, item, ctx.site_name)
    )
    queued = take_queued_ids(db.session)
    db.session.commit()
    report = send_batch(db.session, effective_settings().mail, queued)
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(written.items())) or "nothing due"
    click.echo(f"Notified: {summary}. Sent now: {len(report.sent)}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(notify_cli)
