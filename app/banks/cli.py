"""``flask --app wsgi banks …``: lint, import, export and stats of the question banks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app import clock
from app.banks import queries
from app.banks.content_lint import cue_report
from app.banks.lint import lint_bank, sources_beside
from app.banks.loader import BankFileInvalid, load_bank
from app.extensions import db
from app.jurisdictions.loader import load_rules

banks_cli = AppGroup("banks", help="Question banks: lint, import, export, stats.")
FORMAT_NAMES = ["yaml", "gift", "moodle-xml", "qti"]


@banks_cli.command("lint")
@click.argument("path", default="question_banks", type=click.Path())
def lint_command(path: str) -> None:
    """Validate bank files and check item writing. Exit 1 on errors, 0 with warnings."""
    bank = load_bank(path)
    rules = load_rules(path, today=clock.utcnow().date())
    problems = (
        bank.problems
        + lint_bank(bank, clock.utcnow().date(), sources_beside(path))
        + rules.problems
    )
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for p in errors:
        click.echo(f"error: {p}", err=True)
    for p in warnings:
        click.echo(f"warning: {p}", err=True)
    for line in cue_report(bank):
        click.echo(line)
    click.echo(
        f"{len(bank.files)} file(s), {len(bank.questions)} question(s), {len(bank.cases)} "
        f"case(s), {len(rules.rules)} jurisdiction rule(s): {len(errors)} error(s), "
        f"{len(warnings)} warning(s)"
    )
    sys.exit(1 if errors else 0)


@banks_cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default=None,
    help="Default: yaml for folders, otherwise guessed from the file.",
)
@click.option(
    "--topic",
    default="imported",
    show_default=True,
    help="Topic for questions imported from GIFT, Moodle XML or QTI.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; save nothing.")
def import_command(path: str, fmt: str | None, topic: str, dry_run: bool) -> None:
    """Import banks in one transaction: all or nothing, idempotent, keyed by question key."""
    from app.banks.services import import_directory, import_foreign

    session = db.session
    try:
        if (
            Path(path).is_dir()
            or fmt == "yaml"
            or (fmt is None and path.endswith((".yaml", ".yml")))
        ):
            report = import_directory(session, path, actor=None, dry_run=dry_run)
        else:
            report = import_foreign(session, path, fmt, topic, actor=None, dry_run=dry_run)
    except BankFileInvalid as exc:
        session.rollback()
        for p in exc.problems:
            click.echo(f"error: {p}", err=True)
        click.echo(f"{len(exc.problems)} error(s): nothing was imported", err=True)
        sys.exit(1)
    except Exception:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    for what, reason in report.skipped:
        click.echo(f"skipped: {what}: {reason}")
    for warning in report.warnings:
        click.echo(f"note: {warning}")
    for label in report.created:
        click.echo(f"created: {label}")
    for row in report.rows:
        if row["change"] == "updated":
            click.echo(f"updated: {row['row']}{_changes(row)}")
    click.echo(report.summary())


def _changes(row: dict) -> str:
    """`` (field: before → after, …)`` of an updated row, as its audit event records them."""
    parts = [f"{name}: {c['before']} → {c['after']}" for name, c in row.get("fields", {}).items()]
    for name in ("version", "hash"):
        if name in row:
            parts.append(f"{name}: {row[name]['before']} → {row[name]['after']}")
    return f" ({'; '.join(parts)})" if parts else ""


@banks_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), required=True)
@click.option("--topic", default=None, help="Only this topic.")
@click.argument("out", type=click.Path())
def export_command(fmt: str, topic: str | None, out: str) -> None:
    """Export the current version of every question (and, in YAML, cases, modules, programs)."""
    from app.banks.services import export_bank

    data, not_exported = export_bank(db.session, fmt, topic)
    target = Path(out)
    if isinstance(data, bytes):
        target.write_bytes(data)
    else:
        target.write_text(data, encoding="utf-8")
    for key, reason in not_exported:
        click.echo(f"not exported: {key}: {reason}", err=True)
    click.echo(f"wrote {target}")


@banks_cli.command("stats")
@click.option("--json", "as_json", is_flag=True)
def stats_command(as_json: bool) -> None:
    """Counts of questions by topic, type, difficulty and status; cases, modules, programs;
    with --json also cognitive levels, exam and practice pools and answer-key cues."""
    try:
        stats = queries.bank_stats(db.session)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        db.session.rollback()
        click.echo(
            "error: the database has no bank tables (or cannot be reached): run "
            "`flask --app wsgi db upgrade` and import the banks first",
            err=True,
        )
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(stats, indent=2, sort_keys=True))
        return
    q = stats["questions"]
    click.echo(f"questions: {q['total']}")
    for group in ("by_topic", "by_type", "by_difficulty", "by_status"):
        click.echo(f"  {group.removeprefix('by_')}:")
        for name, n in sorted(q[group].items()):
            click.echo(f"    {name:<24} {n}")
    click.echo(
        f"cases: {stats['cases']}  modules: {stats['modules']}  programs: {stats['programs']}"
    )


def register_cli(app: Flask) -> None:
    app.cli.add_command(banks_cli)
