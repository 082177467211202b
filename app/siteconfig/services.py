"""Read and change the settings kept in the database; each change is audited.

Two kinds of setting live here:

- **values** in ``site_settings``: only keys declared in :data:`KNOWN` exist, each with its kind,
  default, limits and label, so a typo cannot create a setting nobody reads. Values are stored
  as JSON. Four of them override an environment setting (``ENV_OVERRIDES``): their default is
  None, meaning "what the environment says" (``ISSUER_NAME``, ``CERT_SIGNATORY``,
  ``ATTEMPT_GRACE_SECONDS``, ``MAIL_DEFAULT_SENDER``); once an administrator stores one, it wins.
  :func:`apply_overrides` turns the environment's :class:`~app.settings.Settings` into the
  effective ones (``app.settings.effective_settings`` calls it for routes, CLI and hooks).
- **images** in ``site_images`` (``logo``, ``signature``): PNG or JPEG, checked and re-encoded
  by :mod:`app.siteconfig.images`, kept in the database so every app server has them, served
  publicly by ``app/siteconfig/routes.py``. The audit log records their sha256, never bytes.

Read interface for the certificate and verify pages: :func:`branding` returns the effective
organisation and signatory text and the two images (None when not set). Their public URLs are
``url_for("siteconfig.logo")`` and ``url_for("siteconfig.signature")`` (``GET /branding/logo``,
``GET /branding/signature``: 404 when none, ``ETag`` = the image's sha256); add ``v=<sha256>``
(``branding_url`` in the routes module does) for a URL that changes with the image.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address, HeaderRegistry
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import g, has_request_context
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from app import clock
from app.audit.services import record
from app.errors import DomainError
from app.i18n import gettext
from app.i18n import lazy_gettext as _l
from app.settings import IssuerSettings, Settings
from app.siteconfig.images import CheckedImage, check_image
from app.siteconfig.models import SiteImage, SiteSetting


class UnknownSetting(DomainError):
    code = "unknown_setting"
    status = 400


class InvalidSetting(DomainError):
    """A value a setting does not take; names the setting (``key``), nothing is stored."""

    code = "invalid_setting"
    status = 400

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


log = logging.getLogger(__name__)

# ---------------------------------------------------------------- checks of values

TEXT_MAX = 200
GRACE_MAX_SECONDS = 3600
SENDER_MAX = 300
# Bidirectional overrides and isolates could make a printed name read differently from what
# was typed (U+202A-U+202E, U+2066-U+2069); zero-width characters hide in plain sight.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _text(key: str, value: Any) -> str:
    """One line of printable text, 1 to TEXT_MAX characters, spaces trimmed."""
    if not isinstance(value, str):
        raise InvalidSetting(key, gettext("%(key)s takes text.", key=key))
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise InvalidSetting(key, gettext("%(key)s contains an unpaired surrogate.", key=key))
        if category == "Cc" and char == "\x00":
            raise InvalidSetting(key, gettext("%(key)s contains a NUL byte.", key=key))
        if category == "Cc":
            raise InvalidSetting(
                key, gettext("%(key)s contains a control character (such as a new line).", key=key)
            )
    if _INVISIBLE.search(value):
        raise InvalidSetting(
            key, gettext("%(key)s contains an invisible or direction-changing character.", key=key)
        )
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise InvalidSetting(key, gettext("%(key)s cannot be empty.", key=key))
    if len(text) > TEXT_MAX:
        raise InvalidSetting(
            key, gettext("%(key)s takes at most %(max)s characters.", key=key, max=TEXT_MAX)
        )
    return text


def _grace(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSetting(key, gettext("%(key)s takes a whole number of seconds.", key=key))
    if not 0 <= value <= GRACE_MAX_SECONDS:
        raise InvalidSetting(
            key, gettext("%(key)s takes 0 to %(max)s seconds.", key=key, max=GRACE_MAX_SECONDS)
        )
    return value


def _sender(key: str, value: Any) -> str:
    """``Name <address>`` or ``address``: one address, valid (no deliverability check)."""
    text = _text(key, value)
    if len(text) > SENDER_MAX:
        raise InvalidSetting(
            key, gettext("%(key)s takes at most %(max)s characters.", key=key, max=SENDER_MAX)
        )
    header = HeaderRegistry()("From", text)
    if len(header.addresses) != 1 or header.defects:
        raise InvalidSetting(
            key, gettext("%(key)s takes one e-mail address, as Name <address@domain>.", key=key)
        )
    [parsed] = header.addresses
    try:
        valid = validate_email(parsed.addr_spec, check_deliverability=False)
    except EmailNotValidError as exc:
        # email_validator's own reason is English: said in a sentence of ours, the reason logged
        log.info("Setting %s refused: %s", key, exc)
        raise InvalidSetting(
            key,
            gettext(
                "%(key)s: %(address)s is not a valid e-mail address.",
                key=key,
                address=parsed.addr_spec,
            ),
        ) from None
    local, _, domain = valid.normalized.rpartition("@")
    return str(Address(display_name=parsed.display_name, username=local, domain=domain))


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidSetting(key, gettext("%(key)s takes true or false.", key=key))
    return value


@dataclass(frozen=True)
class Known:
    kind: type
    default: Any
    label: str | LazyString
    check: Callable[[str, Any], Any] = _bool
    env: str | None = None
    """The environment variable whose value is the default (when ``default`` is None)."""


REGISTRATION_OPEN = "registration_open"
ORGANISATION = "organisation"
SIGNATORY = "signatory"
ATTEMPT_GRACE_SECONDS = "attempt_grace_seconds"
MAIL_SENDER = "mail_sender"

KNOWN: dict[str, Known] = {
    REGISTRATION_OPEN: Known(bool, True, _l("Anyone may register a trainee account at /register")),
    ORGANISATION: Known(
        str, None,
        _l("The organisation issuing certificates (printed and signed into credentials)"),
        _text, "ISSUER_NAME",
    ),
    SIGNATORY: Known(
        str, None, _l("The signatory printed on certificates (name, title)"),
        _text, "CERT_SIGNATORY",
    ),
    ATTEMPT_GRACE_SECONDS: Known(
        int, None, _l("Seconds a timed attempt still accepts saves after its deadline"),
        _grace, "ATTEMPT_GRACE_SECONDS",
    ),
    MAIL_SENDER: Known(
        str, None, _l("The From of every mail (Name <address>)"), _sender, "MAIL_DEFAULT_SENDER"
    ),
}  # fmt: skip

# The images: key -> what it is (its URL endpoint is ``siteconfig.<key>``).
IMAGES: dict[str, LazyString] = {
    "logo": _l("The organisation's logo"),
    "signature": _l("The signatory's signature"),
}


def known_setting(key: str) -> Known:
    try:
        return KNOWN[key]
    except KeyError:
        raise UnknownSetting(gettext("There is no setting %(key)s.", key=repr(key))) from None


def check_value(key: str, value: Any) -> Any:
    """``value`` as ``key`` stores it (trimmed, normalised), or InvalidSetting/UnknownSetting."""
    return known_setting(key).check(key, value)


def _decoded(known: Known, raw: str) -> Any:
    value = json.loads(raw)
    if isinstance(value, bool) and known.kind is not bool:
        return known.default
    return value if isinstance(value, known.kind) else known.default


REQUEST_KEY = "siteconfig_stored_values"


@dataclass(frozen=True)
class _Stored:
    """What one read of the site's configuration gives: the values, and each stored image's
    mime type and sha256 (its bytes are read only when shown: ``get_images``)."""

    values: dict[str, Any]
    images: dict[str, tuple[str, str]]


def _stored(session: Session) -> _Stored:
    """The stored values and image hashes, in one statement, once per request and session
    (the effective settings, the branding of a certificate and of the verify page all read
    them); ``set_value``, ``reset_value``, ``set_image`` and ``remove_image`` forget the
    request's copy."""
    kept = g.get(REQUEST_KEY) if has_request_context() else None
    if kept is not None and kept[0] is session:
        return kept[1]  # type: ignore[no-any-return]
    # The whole (small) table, keys filtered here: an IN of every known key was a statement
    # of thirty parameters at every request, expanded by SQLAlchemy and parsed by the driver.
    # The images' hashes come in the same statement: one round trip fewer where the branding
    # is shown (issue 19).
    rows = session.execute(_stored_query())
    values: dict[str, Any] = {}
    images: dict[str, tuple[str, str]] = {}
    for kind, key, value, mime, sha256 in rows:
        if kind == "image":
            images[key] = (mime, sha256)
        elif key in KNOWN:
            values[key] = _decoded(KNOWN[key], value)
    stored = _Stored(values, images)
    if has_request_context():
        setattr(g, REQUEST_KEY, (session, stored))
    return stored


@functools.cache
def _stored_query() -> sa.CompoundSelect:
    text = sa.String()
    return sa.union_all(
        sa.select(
            sa.literal("value", text).label("kind"),
            SiteSetting.key,
            SiteSetting.value,
            sa.cast(sa.null(), text).label("mime"),
            sa.cast(sa.null(), text).label("sha256"),
        ),
        sa.select(
            sa.literal("image", text),
            SiteImage.key,
            sa.cast(sa.null(), text),
            SiteImage.mime,
            SiteImage.sha256,
        ),
    )


def stored_values(session: Session) -> dict[str, Any]:
    """Every known key that is stored, with its value (read with the images' hashes, once per
    request and session: ``_stored``); unset keys are absent."""
    return dict(_stored(session).values)


def _forget_stored_values() -> None:
    if has_request_context():
        g.pop(REQUEST_KEY, None)


def get_value(session: Session, key: str) -> Any:
    """The stored value of ``key``, or its default when never set (None: the environment's)."""
    known = known_setting(key)
    row = session.get(SiteSetting, key)
    return known.default if row is None else _decoded(known, row.value)


def all_values(session: Session) -> dict[str, Any]:
    stored = stored_values(session)
    return {key: stored.get(key, known.default) for key, known in KNOWN.items()}


def set_value(session: Session, actor: Any, key: str, value: Any) -> bool:
    """Store ``value`` for ``key`` (checked, audited with before and after); False when
    unchanged. Refuses an unknown key (UnknownSetting) and a bad value (InvalidSetting),
    storing nothing."""
    value = check_value(key, value)
    row = session.get(SiteSetting, key)
    before = get_value(session, key)
    if row is not None and before == value:
        return False
    if row is None:
        row = SiteSetting(key=key, value="null")
        session.add(row)
    _forget_stored_values()
    row.value = json.dumps(value)
    row.updated_at = clock.utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    session.flush()
    record(
        session, actor, "site.setting_changed", "site_setting", key,
        {"before": before, "after": value},
    )  # fmt: skip
    return True


def reset_value(session: Session, actor: Any, key: str) -> bool:
    """Forget the stored value of ``key`` (back to its default; audited); False when unset."""
    known_setting(key)
    row = session.get(SiteSetting, key)
    if row is None:
        return False
    before = get_value(session, key)
    _forget_stored_values()
    session.delete(row)
    session.flush()
    record(
        session, actor, "site.setting_reset", "site_setting", key,
        {"before": before, "after": None},
    )  # fmt: skip
    return True


def registration_open(session: Session) -> bool:
    return bool(get_value(session, REGISTRATION_OPEN))


def apply_overrides(session: Session, settings: Settings) -> Settings:
    """``settings`` (from the environment) with the values stored here put in (one query)."""
    stored = stored_values(session)
    if not stored.keys() & {ORGANISATION, SIGNATORY, ATTEMPT_GRACE_SECONDS, MAIL_SENDER}:
        return settings
    issuer = dataclasses.replace(
        settings.issuer,
        name=stored.get(ORGANISATION) or settings.issuer.name,
        signatory=stored.get(SIGNATORY) or settings.issuer.signatory,
    )
    mail = dataclasses.replace(
        settings.mail, default_sender=stored.get(MAIL_SENDER) or settings.mail.default_sender
    )
    grace = stored.get(ATTEMPT_GRACE_SECONDS)
    return dataclasses.replace(
        settings,
        issuer=issuer,
        mail=mail,
        attempt_grace_seconds=settings.attempt_grace_seconds if grace is None else grace,
    )


# ---------------------------------------------------------------- images


@dataclass(frozen=True)
class Image:
    data: bytes
    mime: str  # "image/png" | "image/jpeg"
    sha256: str


@dataclass(frozen=True)
class Branding:
    organisation: str
    signatory: str
    logo: Image | None
    signature: Image | None


def _image_key(key: str) -> str:
    if key not in IMAGES:
        raise UnknownSetting(
            gettext(
                "There is no image %(key)s (only %(known)s).",
                key=repr(key),
                known=", ".join(IMAGES),
            )
        )
    return key


def get_image(session: Session, key: str) -> Image | None:
    row = session.get(SiteImage, _image_key(key))
    return None if row is None else Image(data=row.data, mime=row.mime, sha256=row.sha256)


def image_hashes(session: Session) -> dict[str, str]:
    """The sha256 of each stored image (no bytes loaded): for links and the settings page.
    Read with the settings, by ``_stored`` (one read path, one statement)."""
    return {key: sha256 for key, (_, sha256) in _stored(session).images.items()}


# Image bytes by sha256, for this process: content-addressed, so never stale (a changed image
# has another hash, which the request's read of ``_stored`` names). Bounded: an administrator
# may upload many images over the years.
_IMAGE_BYTES: dict[str, bytes] = {}
_IMAGE_BYTES_KEPT = 8
_IMAGE_BYTES_LOCK = threading.Lock()


def get_images(session: Session) -> dict[str, Image]:
    """Every stored image by key; an image not set is absent. The hashes come from the
    request's read of the configuration (``_stored``), the bytes from this process's copy,
    read once per image (none when no image is set)."""
    named = _stored(session).images
    found = {sha256: _IMAGE_BYTES.get(sha256) for _, sha256 in named.values()}
    missing = [sha256 for sha256, data in found.items() if data is None]
    if missing:
        rows = session.execute(
            sa.select(SiteImage.sha256, SiteImage.data).where(SiteImage.sha256.in_(missing))
        )
        for sha256, data in rows:
            found[sha256] = data
            with _IMAGE_BYTES_LOCK:  # threaded workers share it
                if len(_IMAGE_BYTES) >= _IMAGE_BYTES_KEPT:
                    _IMAGE_BYTES.pop(next(iter(_IMAGE_BYTES)))
                _IMAGE_BYTES[sha256] = data
    # An image changed between the two reads is absent from this request, shown by the next.
    return {
        key: Image(data=data, mime=mime, sha256=sha256)
        for key, (mime, sha256) in named.items()
        if key in IMAGES and (data := found.get(sha256)) is not None
    }


def branding(session: Session, issuer: IssuerSettings) -> Branding:
    """What certificates and the verify page show of the issuer: the effective organisation
    and signatory (stored value, else ``issuer``'s from the environment) and the logo and
    signature images (None when not set)."""
    stored = stored_values(session)
    images = get_images(session)
    return Branding(
        organisation=stored.get(ORGANISATION) or issuer.name,
        signatory=stored.get(SIGNATORY) or issuer.signatory,
        logo=images.get("logo"),
        signature=images.get("signature"),
    )


def set_image(session: Session, actor: Any, key: str, data: bytes, max_bytes: int) -> Image:
    """Check, re-encode and store ``data`` as image ``key`` (audited: sha256 before and after).
    Refuses (ImageRejected, ImageTooLarge, UnknownSetting) storing nothing."""
    key = _image_key(key)
    checked: CheckedImage = check_image(data, max_bytes)
    row = session.get(SiteImage, key)
    before = None if row is None else row.sha256
    if row is None:
        row = SiteImage(key=key)
        session.add(row)
    row.data, row.mime, row.sha256 = checked.data, checked.mime, checked.sha256
    row.width, row.height = checked.width, checked.height
    row.updated_at = clock.utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    session.flush()
    _forget_stored_values()
    details = {"before": before, "after": checked.sha256, "mime": checked.mime}
    details |= {"width": checked.width, "height": checked.height}
    record(session, actor, "site.image_changed", "site_image", key, details)
    return Image(data=checked.data, mime=checked.mime, sha256=checked.sha256)


def remove_image(session: Session, actor: Any, key: str) -> bool:
    """Remove image ``key`` (audited with the sha256 it had); False when there is none."""
    row = session.get(SiteImage, _image_key(key))
    if row is None:
        return False
    before = row.sha256
    session.delete(row)
    session.flush()
    _forget_stored_values()
    record(
        session, actor, "site.image_removed", "site_image", key, {"before": before, "after": None}
    )
    return True
