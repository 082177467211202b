"""``flask --app wsgi backup create|restore|check``: backups, restores and the integrity check.

    flask --app wsgi backup create PATH    # while the app serves; PATH must not exist yet
    flask --app wsgi backup restore PATH   # into DATABASE_URL, which must be empty
    flask --app wsgi backup check          # every attempt, completion, certificate possible

``create`` and ``restore`` work on the database the app is configured with (``DATABASE_URL``).
``restore`` runs ``check`` on what it restored. ``check`` exits 1 listing each broken row.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.ops import integrity
from app.ops.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Backups, restores and the database's integrity check.")


def _database_url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Back up the database into the new file PATH, while the app keeps serving."""
    try:
        result = create_backup(_database_url(), path, environ=os.environ)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {result.path} ({result.size} bytes, {result.method})")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore the backup PATH into the configured database, which must be empty."""
    try:
        method = restore_backup(path, _database_url(), environ=os.environ)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {path} ({method})")
    _report(integrity.check(db.session))


@backup_cli.command("check")
def check_command() -> None:
    """Check that no attempt, completion or certificate is in an impossible state."""
    _report(integrity.check(db.session))


def _report(problems: list[integrity.Problem]) -> None:
    db.session.rollback()
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} row(s) in an impossible state")
    click.echo(f"integrity: all {len(integrity.RULES)} rules hold")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_cli)
