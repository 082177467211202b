"""Read and change the settings kept in ``site_settings``; each change is audited.

Only keys declared in :data:`KNOWN` exist, each with its kind and default, so a typo cannot
create a setting nobody reads. A key never set reads as its default. Values are stored as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.errors import DomainError
from app.settings import IssuerSettings
from app.siteconfig.models import SiteSetting


@dataclass(frozen=True)
class Known:
    kind: type
    default: Any
    label: str


REGISTRATION_OPEN = "registration_open"

KNOWN: dict[str, Known] = {
    REGISTRATION_OPEN: Known(bool, True, "Anyone may register a trainee account at /register"),
}


class UnknownSetting(DomainError):
    code = "unknown_setting"
    status = 400


def _known(key: str) -> Known:
    try:
        return KNOWN[key]
    except KeyError:
        raise UnknownSetting(f"There is no setting {key!r}.") from None


def get_value(session: Session, key: str) -> Any:
    """The stored value of ``key``, or its default when never set."""
    known = _known(key)
    row = session.get(SiteSetting, key)
    if row is None:
        return known.default
    value = json.loads(row.value)
    return value if isinstance(value, known.kind) else known.default


def all_values(session: Session) -> dict[str, Any]:
    stored = {row.key: row for row in session.scalars(sa.select(SiteSetting))}
    return {
        key: get_value(session, key) if key in stored else k.default for key, k in KNOWN.items()
    }


def set_value(session: Session, actor: Any, key: str, value: Any) -> bool:
    """Store ``value`` for ``key`` (audited with before and after); False when unchanged."""
    known = _known(key)
    if not isinstance(value, known.kind):
        raise DomainError(f"{key} takes a {known.kind.__name__}.", code="invalid_setting")
    before = get_value(session, key)
    if before == value and session.get(SiteSetting, key) is not None:
        return False
    row = session.get(SiteSetting, key)
    if row is None:
        row = SiteSetting(key=key, value="null")
        session.add(row)
    row.value = json.dumps(value)
    row.updated_at = clock.utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    session.flush()
    record(
        session, actor, "site.setting_changed", "site_setting", key,
        {"before": before, "after": value},
    )  # fmt: skip
    return True


def registration_open(session: Session) -> bool:
    return bool(get_value(session, REGISTRATION_OPEN))


# ---------------------------------------------------------------- branding (minimal version:
# issue 13 adds the logo and signature images to the settings; until then, no images)


@dataclass(frozen=True)
class Image:
    data: bytes
    mime: str  # image/png | image/jpeg
    sha256: str


@dataclass(frozen=True)
class Branding:
    organisation: str
    signatory: str
    logo: Image | None
    signature: Image | None


def branding(session: Session, issuer: IssuerSettings) -> Branding:
    """What certificates and the verify page show of the issuer: names and images."""
    return Branding(organisation=issuer.name, signatory=issuer.signatory, logo=None, signature=None)
