"""The issuer's Ed25519 signing key: loaded from SIGNING_KEY or instance/, public half in the DB.

* ``SIGNING_KEY`` (environment or config): the 32-byte Ed25519 seed, as base64/base64url,
  hex, or multibase (``z`` base58btc / ``u`` base64url), or a PKCS#8 PEM. Use this when
  several app servers run: they must all sign with the same key.
* Otherwise ``instance/signing_key.pem`` (PKCS#8, mode 0600), generated on first use.
* Every public key that ever signed is a ``SigningKey`` row; rotation retires the old row but
  keeps it, so the issuer profile keeps publishing it and old certificates still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import base58
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.certificates.credential import decode_multikey, encode_multikey
from app.certificates.models import SigningKey
from app.errors import DomainError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

KEY_FILENAME = "signing_key.pem"


class SigningKeyError(DomainError):
    code = "signing_key_error"
    status = 500
    message = _l("The signing key is not usable.")


@dataclass(frozen=True)
class ActiveKey:
    row: SigningKey
    private_key: Ed25519PrivateKey

    @property
    def fragment(self) -> str:
        return f"key-{self.row.kid}"


def parse_private_key(value: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from a seed (base64, hex or multibase) or a PEM."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(_("SIGNING_KEY is a PEM key but not an Ed25519 key"))
        return key
    seed: bytes | None = None
    try:
        if text.startswith("z"):
            seed = base58.b58decode(text[1:])
        elif text.startswith("u"):
            seed = base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
    except ValueError:
        seed = None
    if (seed is None or len(seed) != 32) and len(text) == 64:
        try:
            seed = bytes.fromhex(text)
        except ValueError:
            seed = None
    if seed is None or len(seed) != 32:
        try:
            seed = base64.b64decode(
                text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
            )
        except (binascii.Error, ValueError):
            seed = None
    if seed is None or len(seed) != 32:
        raise SigningKeyError(
            _("SIGNING_KEY must be a 32-byte Ed25519 seed (base64, hex or multibase) or a PEM key")
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def export_seed(key: Ed25519PrivateKey) -> str:
    """The key's seed as base64 (what SIGNING_KEY accepts)."""
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short stable id: the first 16 hex digits of SHA-256 over the multikey."""
    return hashlib.sha256(encode_multikey(public_key).encode()).hexdigest()[:16]


def _write_new_key(path: Path) -> Ed25519PrivateKey:
    """Write a new key to ``path`` (0600) atomically; if another process won, load theirs."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_private_key(path.read_text())
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def load_private_key(instance_path: str | Path, env_value: str | None) -> Ed25519PrivateKey:
    """SIGNING_KEY if given, else instance/signing_key.pem (created on first use, 0600)."""
    if env_value:
        return parse_private_key(env_value)
    path = Path(instance_path) / KEY_FILENAME
    if path.exists():
        return parse_private_key(path.read_text())
    return _write_new_key(path)


def register_public_key(session: Session, public_key: Ed25519PublicKey) -> SigningKey:
    """The SigningKey row for ``public_key``, inserted if new (safe under concurrency)."""
    multikey = encode_multikey(public_key)
    row = session.scalar(sa.select(SigningKey).where(SigningKey.public_key_multibase == multikey))
    if row is not None:
        return row
    row = SigningKey(
        kid=key_id(public_key), public_key_multibase=multikey, created_at=clock.utcnow()
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.scalar(
            sa.select(SigningKey).where(SigningKey.public_key_multibase == multikey)
        )
        if row is None:  # pragma: no cover - the conflicting insert was rolled back
            raise
    return row


def active_key(session: Session, instance_path: str | Path, env_value: str | None) -> ActiveKey:
    """The key to sign with now, its public half registered in the database."""
    private = load_private_key(instance_path, env_value)
    row = register_public_key(session, private.public_key())
    if row.revoked_at is not None:
        raise SigningKeyError(_("The configured signing key was revoked; configure a new key."))
    if row.retired_at is not None:
        raise SigningKeyError(
            _("The configured signing key was retired by a rotation; configure the new key.")
        )
    return ActiveKey(row, private)


def rotate_key(session: Session, instance_path: str | Path, env_value: str | None) -> SigningKey:
    """Generate a new key into instance/, retire every other key (kept for verification).

    With SIGNING_KEY set the key lives outside the app: refuse, the operator sets a new one.
    """
    if env_value:
        raise SigningKeyError(
            "SIGNING_KEY is set: generate a new seed (certs generate-key), put it in "
            "SIGNING_KEY and restart; the old public key stays published."
        )
    path = Path(instance_path) / KEY_FILENAME
    if path.exists():
        old = parse_private_key(path.read_text())
        register_public_key(session, old.public_key())
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    tmp = path.with_suffix(".pem.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    row = register_public_key(session, key.public_key())
    now = clock.utcnow()
    session.execute(
        sa.update(SigningKey)
        .where(SigningKey.id != row.id, SigningKey.retired_at.is_(None))
        .values(retired_at=now)
    )
    session.flush()
    # Replace the file last: if the database work failed, the old key is still in place.
    os.replace(tmp, path)
    return row


def revoke_key(session: Session, kid: str) -> SigningKey:
    """Mark a (compromised) key revoked: it stays published, with ``revoked``, and nothing it
    signed verifies any more. Rotate first when it is the active key."""
    row = session.scalar(sa.select(SigningKey).where(SigningKey.kid == kid))
    if row is None:
        raise SigningKeyError(f"No signing key {kid!r}.")
    now = clock.utcnow()
    if row.revoked_at is None:
        row.revoked_at = now
    if row.retired_at is None:
        row.retired_at = now
    session.flush()
    return row


def published_keys(session: Session) -> list[SigningKey]:
    """Every key that may have signed a certificate, oldest first."""
    return list(session.scalars(sa.select(SigningKey).order_by(SigningKey.id)))


def public_key_of(row: SigningKey) -> Ed25519PublicKey:
    return decode_multikey(row.public_key_multibase)
