"""``flask settings …``: show and change the settings kept in the database (audited as the
system), for operators without a browser.

``show`` lists each setting with its effective value and where it comes from (the database or
the environment); ``set KEY VALUE`` checks and stores one; ``reset KEY`` forgets the stored one
(the environment's applies again); ``set-image logo|signature FILE`` and ``remove-image``.
A bad key or value prints an error, exits non-zero and changes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import DomainError
from app.extensions import db
from app.settings import Settings, get_settings
from app.siteconfig import services

settings_cli = AppGroup("settings", help="Settings kept in the database (audited).")

TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


def _fail(message: str, code: int = 1) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def environment_value(settings: Settings, key: str) -> Any:
    """What the environment says for ``key`` (None for a setting the environment lacks)."""
    return {
        services.ORGANISATION: settings.issuer.name,
        services.SIGNATORY: settings.issuer.signatory,
        services.ATTEMPT_GRACE_SECONDS: settings.attempt_grace_seconds,
        services.MAIL_SENDER: settings.mail.default_sender,
    }.get(key)


def parse(key: str, raw: str) -> Any:
    """The typed value of ``raw`` for ``key`` (UnknownSetting, InvalidSetting)."""
    known = services.known_setting(key)
    if known.kind is bool:
        if raw.strip().lower() in TRUE | FALSE:
            return raw.strip().lower() in TRUE
        raise services.InvalidSetting(key, f"{key} takes true or false.")
    if known.kind is int:
        if not _INTEGER.fullmatch(raw.strip()):
            raise services.InvalidSetting(key, f"{key} takes a whole number.")
        return int(raw.strip())
    return raw


@settings_cli.command("show")
def show() -> None:
    """Every setting: its effective value and where it comes from; the images' sha256."""
    env = get_settings()
    stored = services.stored_values(db.session)
    for key, known in services.KNOWN.items():
        if key in stored:
            value, source = stored[key], "database"
        elif known.env:
            value, source = environment_value(env, key), f"environment {known.env}"
        else:
            value, source = known.default, "default"
        click.echo(f"{key}\t{value!r}\t({source})")
    hashes = services.image_hashes(db.session)
    for key in services.IMAGES:
        click.echo(f"image {key}\t{hashes.get(key, 'none')}")


@settings_cli.command("set")
@click.argument("key")
@click.argument("value")
def set_command(key: str, value: str) -> None:
    """Store VALUE for KEY (checked; audited)."""
    try:
        changed = services.set_value(db.session, None, key, parse(key, value))
    except DomainError as exc:
        _fail(exc.message, 2)
        return
    db.session.commit()
    stored = services.get_value(db.session, key)
    click.echo(f"{key} = {stored!r}" if changed else f"{key} is already {stored!r}.")


@settings_cli.command("reset")
@click.argument("key")
def reset_command(key: str) -> None:
    """Forget the stored value of KEY: the environment's (or the default) applies again."""
    try:
        changed = services.reset_value(db.session, None, key)
    except DomainError as exc:
        _fail(exc.message, 2)
        return
    db.session.commit()
    click.echo(f"{key} reset." if changed else f"{key} was not set.")


@settings_cli.command("set-image")
@click.argument("kind", type=click.Choice(sorted(services.IMAGES)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def set_image_command(kind: str, file: Path) -> None:
    """Store FILE (PNG or JPEG, at most STUDIO_MAX_IMAGE_BYTES) as the logo or signature."""
    limit = get_settings().studio_max_image_bytes
    with file.open("rb") as handle:
        data = handle.read(limit + 1)
    try:
        image = services.set_image(db.session, None, kind, data, limit)
    except DomainError as exc:
        _fail(exc.message, 2)
        return
    db.session.commit()
    click.echo(f"{kind} stored ({image.mime}, sha256 {image.sha256}).")


@settings_cli.command("remove-image")
@click.argument("kind", type=click.Choice(sorted(services.IMAGES)))
def remove_image_command(kind: str) -> None:
    """Remove the logo or signature."""
    changed = services.remove_image(db.session, None, kind)
    db.session.commit()
    click.echo(f"{kind} removed." if changed else f"There was no {kind}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(settings_cli)
