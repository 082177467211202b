"""``flask --app wsgi certs …``: verify a credential file offline, rotate the signing key.

``certs verify FILE`` checks the JSON-LD terms, the eddsa-rdfc-2022 signature (keys of this
issuer from the database, or from ``--issuer-profile``), the OB 3.0 schema, the dates, and
the revocation status: from this database when the status list is ours, else by fetching the
status list URL; if neither works it says "status not checked". Exit 1 on any failure.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from flask.cli import AppGroup

from app import clock
from app.certificates import credential as cred
from app.certificates import keys
from app.extensions import db
from app.settings import IssuerSettings, effective_settings

certs_cli = AppGroup("certs", help="Certificates: verify credentials, manage the signing key.")

FETCH_TIMEOUT = 5
MAX_FETCH_BYTES = 4 * 1024 * 1024


def _resolver(
    settings: IssuerSettings, profile: dict[str, Any] | None
) -> Callable[[str], Ed25519PublicKey | None]:
    if profile is not None:
        return cred.key_resolver_from_controller(profile)
    # Our keys by kid: whatever address the credential was signed under (the profile URL of
    # the request's address, or the configured did:web), the signature proves the key.
    known = {
        row.kid: keys.public_key_of(row)
        for row in keys.published_keys(db.session)
        if row.revoked_at is None  # compromised: nothing it signed verifies
    }

    def resolve(method: str) -> Ed25519PublicKey | None:
        _, _, fragment = method.partition("#key-")
        return known.get(fragment) or cred.resolve_did_key(method)

    return resolve


def _fetch_json(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/vc+ld+json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
        body = response.read(MAX_FETCH_BYTES + 1)
    if len(body) > MAX_FETCH_BYTES:
        raise ValueError("status list too large")
    return json.loads(body)


def _local_status_list(settings: IssuerSettings, url: str) -> dict[str, Any] | None:
    from app.certificates.models import StatusList

    prefix = settings.base_url + "/status/"
    if not url.startswith(prefix) or not url[len(prefix) :].isdigit():
        return None
    row = db.session.get(StatusList, int(url[len(prefix) :]))
    return row.credential if row is not None else None


def check_status(
    doc: dict[str, Any],
    settings: IssuerSettings,
    resolve: Callable[[str], Ed25519PublicKey | None],
) -> cred.Check:
    """The revocation check: passed=False when revoked or the list is bad; None-ish message
    "status not checked" (passed) when the list cannot be reached."""
    entry = doc.get("credentialStatus")
    if entry is None:
        return cred.Check("status", True, "no credentialStatus: nothing to check")
    if isinstance(entry, list):
        entry = entry[0] if entry else {}
    url = entry.get("statusListCredential")
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError):
        return cred.Check("status", False, "credentialStatus has no valid statusListIndex")
    if not isinstance(url, str):
        return cred.Check("status", False, "credentialStatus has no statusListCredential URL")
    source = "this issuer's database"
    status_doc = _local_status_list(settings, url)
    if status_doc is None:
        try:
            status_doc = _fetch_json(url)
            source = url
        except Exception as exc:  # unreachable, not JSON, ...: say so, do not fail
            return cred.Check("status", True, f"status not checked ({url} unreachable: {exc})")
    result = cred.verify_credential(status_doc, resolve, clock.utcnow())
    if not result.ok:
        return cred.Check(
            "status", False, f"the status list {url} does not verify: {result.summary()}"
        )
    try:
        bits = cred.decode_status_list(status_doc["credentialSubject"]["encodedList"])
        revoked = cred.is_bit_set(bits, index)
    except (cred.CredentialError, KeyError, TypeError) as exc:
        return cred.Check("status", False, f"the status list {url} is unreadable: {exc}")
    if revoked:
        return cred.Check("status", False, f"REVOKED (bit {index} is set in {source})")
    return cred.Check("status", True, f"not revoked (bit {index} clear in {source})")


def verify_document(
    doc: Any, settings: IssuerSettings, profile: dict[str, Any] | None = None
) -> list[cred.Check]:
    resolve = _resolver(settings, profile)
    result = cred.verify_credential(doc, resolve, clock.utcnow())
    checks = list(result.checks)
    if isinstance(doc, dict):
        checks.append(check_status(doc, settings, resolve))
    return checks


@certs_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--issuer-profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust the keys of this issuer profile (JSON) instead of this database's keys.",
)
def verify_command(file: Path, issuer_profile: Path | None) -> None:
    """Verify a credential FILE: signature, schema, dates and revocation status."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"INVALID: {file} is not a JSON file: {exc}")
        sys.exit(1)
    profile = json.loads(issuer_profile.read_text(encoding="utf-8")) if issuer_profile else None
    checks = verify_document(doc, effective_settings().issuer, profile)
    for check in checks:
        click.echo(f"{'ok  ' if check.passed else 'FAIL'} {check.name}: {check.message}")
    failures = [c for c in checks if not c.passed]
    if failures:
        click.echo("INVALID: " + "; ".join(f"{c.name}: {c.message}" for c in failures))
        sys.exit(1)
    click.echo("VALID")


@certs_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Generate a new signing key; old public keys stay published so old certificates verify."""
    from app.audit.services import record

    settings = effective_settings().issuer
    try:
        row = keys.rotate_key(db.session, settings.instance_path, settings.signing_key)
    except keys.SigningKeyError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    record(db.session, None, "signing_key.rotated", "signing_key", row.kid)
    db.session.commit()
    click.echo(f"new signing key {settings.verification_method(row.kid)}")


@certs_cli.command("revoke-key")
@click.argument("kid")
def revoke_key_command(kid: str) -> None:
    """Mark the key KID compromised: published as revoked; what it signed no longer verifies."""
    from app.audit.services import record

    try:
        row = keys.revoke_key(db.session, kid.strip())
    except keys.SigningKeyError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    record(db.session, None, "signing_key.revoked", "signing_key", row.kid)
    db.session.commit()
    click.echo(f"signing key {row.kid} revoked")


@certs_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def list_command(as_json: bool) -> None:
    """List certificates, newest first: serial, verification code, learner, status."""
    from app.certificates import queries

    rows = [
        {
            "serial": c.serial,
            "code": c.code,
            "learner": c.learner_name,
            "email": c.user.email if c.user is not None else None,
            "program": c.program_title,
            "status": queries.status_of(c).value,
            "issued_at": cred.format_datetime(c.issued_at),
            "valid_until": cred.format_datetime(c.valid_until),
            "verify_url": effective_settings().issuer.verify_url(c.code),
        }
        for c in queries.all_certificate_rows(db.session)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No certificates.")
        return
    for row in rows:
        click.echo(f"{row['serial']}  {row['code']}  {row['status']:<10}  {row['learner']}")


@certs_cli.command("generate-key")
def generate_key_command() -> None:
    """Print a new Ed25519 seed for SIGNING_KEY (nothing is stored)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    click.echo(keys.export_seed(Ed25519PrivateKey.generate()))


def register_cli(app: Flask) -> None:
    app.cli.add_command(certs_cli)
