"""``flask --app wsgi attempts regrade --question KEY [--dry-run]``: rescore the graded
attempts of a corrected question (a command of the quiz's ``attempts`` group)."""

from __future__ import annotations

import click
from flask import Flask, current_app, url_for

from app.errors import DomainError
from app.extensions import db
from app.mail.outbox import take_queued_ids
from app.mail.sender import send_batch
from app.quiz.cli import attempts_cli
from app.regrade import plan as p
from app.regrade import services
from app.settings import effective_settings, get_settings


def mail_context() -> services.MailContext:
    """The trainees' link to their results, outside a request (PUBLIC_BASE_URL)."""
    settings = effective_settings()
    with current_app.test_request_context("/"):
        path = url_for("progress.dashboard")
    return services.MailContext(settings.issuer.name, settings.public_base_url + path)


def plan_lines(plan: p.Plan) -> list[str]:
    """The plan as text: one line per attempt and per completion."""
    lines = [
        f"Question {plan.question}, version {plan.version_no}: {plan.checked} graded answer(s) "
        f"rescored, {len(plan.attempts)} attempt(s) change."
    ]
    for a in plan.attempts:
        lines.append(
            f"attempt {a.attempt_id}\t{a.email}\t{a.module} #{a.attempt_no}\t"
            f"score {a.score_before} -> {a.score_after}\t"
            f"passed {a.passed_before} -> {a.passed_after}"
        )
    for c in plan.completions:
        lines.append(
            f"completion {c.completion_id or 'new'}\t{c.email}\t{c.program}"
            f"{' (renewal)' if c.renewal else ''}\t"
            f"eligible {c.eligible_before} -> {c.eligible_after}\t{c.action}"
            f"{' certificate ' + c.certificate if c.certificate else ''}"
        )
    if plan.open_attempts:
        lines.append(
            f"{plan.open_attempts} open attempt(s) include this question: they are graded with "
            "the version they were served when submitted; run the regrade again afterwards."
        )
    return lines


@attempts_cli.command("regrade")
@click.option("--question", "key", required=True, help="The key of the corrected question.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def regrade_command(key: str, dry_run: bool) -> None:
    """Rescore every graded attempt of a question with its current published version, then
    pass/fail and completions (flagged for review, never revoked); trainees are mailed."""
    try:
        if dry_run:
            plan = services.plan_regrade(db.session, key)
        else:
            plan = services.apply_regrade(
                db.session, None, key, settings=effective_settings().issuer, mail=mail_context()
            )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    for line in plan_lines(plan):
        click.echo(line)
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing changed.")
        return
    queued = take_queued_ids(db.session)
    db.session.commit()
    if queued and get_settings().mail.configured:
        send_batch(db.session, effective_settings().mail, queued)
    click.echo("Nothing to change." if plan.empty else "Applied.")


def register_cli(app: Flask) -> None:
    """The command joins the ``attempts`` group (registered by the quiz)."""
    if "regrade" not in attempts_cli.commands:  # pragma: no cover - added on import
        attempts_cli.add_command(regrade_command)
