"""The instance's settings, in one typed object: read here, passed into the domains.

``app/config.py`` reads the environment into ``app.config`` (with ``create_app``'s overrides);
``Settings.from_config`` turns that mapping into this frozen object once, and ``create_app``
stores it on the app. Routes, API handlers, CLI commands and the grading hook read it with
``get_settings()`` and pass plain values (or ``settings.issuer``) into services, queries and
pure modules, which never read ``current_app`` or ``os.environ`` themselves
(``tests/unit/test_settings.py`` fails when one does).

Four of them can also be set by administrators, in the database (``app/siteconfig``): the
organisation (``ISSUER_NAME``), the signatory (``CERT_SIGNATORY``), the attempt grace
(``ATTEMPT_GRACE_SECONDS``) and the mail sender (``MAIL_DEFAULT_SENDER``). The environment gives
the default; a stored value wins. ``effective_settings()`` returns the settings with the stored
values in (it reads the database, through the override the factory registers): routes, CLI
commands and hooks that print, sign, time or mail call it instead of ``get_settings()``.

A program's rules (validity, review, required modules) are not instance settings: they live in
the bank files. Every setting is listed, with its environment variable and default, in
docs/operations.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request

EXTENSION_KEY = "settings"
OVERRIDES_KEY = "settings.overrides"
REQUEST_ATTR = "_effective_settings"

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_ISSUER_NAME = "Dry Needling Academy"
DEFAULT_SIGNATORY = "Registrar, Dry Needling Academy"
DEFAULT_GRACE_SECONDS = 60
DEFAULT_PRACTICE_NEW_PER_DAY = 10
DEFAULT_VERIFY_RATE_LIMIT = "60/minute"
DEFAULT_STUDIO_MAX_IMAGE_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_CONTENT_LENGTH = 16 * 1024 * 1024
DEFAULT_STANDARD_SETTING_MIN_JUDGES = 3
DEFAULT_MAIL_SENDER = "Dry Needling Academy <no-reply@localhost>"
DEFAULT_MAIL_TIMEOUT = 10
DEFAULT_PASSWORD_RESET_MAX_AGE = 60 * 60
DEFAULT_REGISTRATION_LINK_MAX_AGE = 24 * 60 * 60
DEFAULT_INVITATION_MAX_AGE = 7 * 24 * 60 * 60


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves the outbox (``app/mail``); no ``server``: it stays there."""

    server: str | None
    """``MAIL_SERVER``: the SMTP host, or None (mail stays in the outbox, read at /admin/outbox)."""
    port: int
    """``MAIL_PORT``: default 465 with ``MAIL_USE_SSL``, 587 with ``MAIL_USE_TLS``, else 25."""
    use_tls: bool
    """``MAIL_USE_TLS``: STARTTLS after connecting."""
    use_ssl: bool
    """``MAIL_USE_SSL``: TLS from the first byte (SMTPS)."""
    username: str | None
    """``MAIL_USERNAME``: log in with these credentials when set."""
    password: str | None = field(repr=False)
    """``MAIL_PASSWORD`` (never logged)."""
    default_sender: str
    """``MAIL_DEFAULT_SENDER``: the From header."""
    timeout: int
    """``MAIL_TIMEOUT``: seconds before an SMTP connection or command gives up (default 10)."""

    @property
    def configured(self) -> bool:
        return bool(self.server)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        use_ssl = bool(config.get("MAIL_USE_SSL"))
        use_tls = bool(config.get("MAIL_USE_TLS"))
        default_port = 465 if use_ssl else 587 if use_tls else 25
        return cls(
            server=config.get("MAIL_SERVER") or None,
            port=_int(config, "MAIL_PORT", default_port),
            use_tls=use_tls,
            use_ssl=use_ssl,
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            default_sender=config.get("MAIL_DEFAULT_SENDER") or DEFAULT_MAIL_SENDER,
            timeout=_int(config, "MAIL_TIMEOUT", DEFAULT_MAIL_TIMEOUT),
        )


@dataclass(frozen=True)
class XapiSettings:
    """Where statements go (``app/xapi``); no ``endpoint``: xAPI is off, nothing is queued."""

    endpoint: str | None
    """``XAPI_ENDPOINT``: the LRS's xAPI base URL (ending in ``/xAPI`` or ``/xapi``), or None."""
    username: str | None
    """``XAPI_USERNAME``: HTTP Basic user of the LRS."""
    password: str | None = field(repr=False)
    """``XAPI_PASSWORD`` (never logged)."""
    timeout: int = DEFAULT_MAIL_TIMEOUT
    """``XAPI_TIMEOUT``: seconds before a request to the LRS gives up (default 10)."""

    @property
    def configured(self) -> bool:
        return bool(self.endpoint)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> XapiSettings:
        endpoint = config.get("XAPI_ENDPOINT") or None
        return cls(
            endpoint=endpoint.rstrip("/") if endpoint else None,
            username=config.get("XAPI_USERNAME") or None,
            password=config.get("XAPI_PASSWORD") or None,
            timeout=_int(config, "XAPI_TIMEOUT", DEFAULT_MAIL_TIMEOUT),
        )


@dataclass(frozen=True)
class AccountSettings:
    """Accounts by e-mail: link lifetimes, limits, the terms version (``app/auth/accounts.py``)."""

    password_reset_max_age: int
    """``PASSWORD_RESET_MAX_AGE``: seconds a password reset link stays valid (default 3600)."""
    registration_link_max_age: int
    """``REGISTRATION_LINK_MAX_AGE``: seconds a registration link stays valid (default 1 day)."""
    invitation_max_age: int
    """``INVITATION_MAX_AGE``: seconds an invitation link stays valid (default 7 days)."""
    password_reset_rate_limit: str
    """``PASSWORD_RESET_RATE_LIMIT``: reset requests per client IP (default 10/hour)."""
    account_mail_rate_limit: str
    """``ACCOUNT_MAIL_RATE_LIMIT``: registration and reset requests per e-mail address
    (default 3/hour), so that nobody can flood a mailbox."""
    terms_version: str
    """``TERMS_VERSION``: the version of the terms a registering user accepts (stored)."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AccountSettings:
        return cls(
            password_reset_max_age=_int(
                config, "PASSWORD_RESET_MAX_AGE", DEFAULT_PASSWORD_RESET_MAX_AGE
            ),
            registration_link_max_age=_int(
                config, "REGISTRATION_LINK_MAX_AGE", DEFAULT_REGISTRATION_LINK_MAX_AGE
            ),
            invitation_max_age=_int(config, "INVITATION_MAX_AGE", DEFAULT_INVITATION_MAX_AGE),
            password_reset_rate_limit=str(config.get("PASSWORD_RESET_RATE_LIMIT") or "10/hour"),
            account_mail_rate_limit=str(config.get("ACCOUNT_MAIL_RATE_LIMIT") or "3/hour"),
            terms_version=str(config.get("TERMS_VERSION") or "1"),
        )


@dataclass(frozen=True)
class IssuerSettings:
    """Who issues certificates, where it lives and how it signs."""

    base_url: str
    """``PUBLIC_BASE_URL`` without a trailing slash: issuer id, verify links, QR codes. Unset:
    ``http://127.0.0.1:5000`` outside a request, the request's address inside one
    (:func:`issuer_settings`)."""
    name: str
    """``ISSUER_NAME``: printed on certificates and signed into credentials."""
    signatory: str
    """``CERT_SIGNATORY``: the signature line of the PDF."""
    instance_path: str
    """``INSTANCE_PATH``: where ``signing_key.pem`` is generated when ``SIGNING_KEY`` is unset."""
    signing_key: str | None = field(default=None, repr=False)
    """``SIGNING_KEY``: the Ed25519 seed or PEM (the same on every app server), or None."""
    email: str | None = None
    """``ISSUER_EMAIL``: the issuer's contact address in credentials, or None."""
    base_url_configured: bool = False
    """True when ``PUBLIC_BASE_URL`` is set: then the issuer is ``did:web`` and signs with it."""

    @property
    def did(self) -> str | None:
        """``did:web:<host>[%3A<port>][:<path>]`` of the configured base URL, else None."""
        if not self.base_url_configured:
            return None
        parts = urlsplit(self.base_url)
        host = (parts.hostname or "").lower()
        if parts.port is not None:
            host += f"%3A{parts.port}"
        path = ":".join(p for p in parts.path.split("/") if p)
        return f"did:web:{host}" + (f":{path}" if path else "")

    @property
    def did_document_url(self) -> str:
        """Where the ``did:web`` document lives (``/.well-known/did.json`` at the root)."""
        parts = urlsplit(self.base_url)
        if parts.path.strip("/"):
            return f"{self.base_url}/did.json"
        return f"{self.base_url}/.well-known/did.json"

    @property
    def issuer_id(self) -> str:
        """The issuer's id: its ``did:web`` with a configured base URL, else the profile URL."""
        return self.did or self.profile_url

    @property
    def profile_url(self) -> str:
        return f"{self.base_url}/issuer"

    def achievement_url(self, slug: str) -> str:
        return f"{self.base_url}/achievements/{slug}"

    def verify_url(self, code: str) -> str:
        return f"{self.base_url}/verify/{code}"

    def status_list_url(self, list_id: int) -> str:
        return f"{self.base_url}/status/{list_id}"

    def verification_method(self, kid: str) -> str:
        return f"{self.issuer_id}#key-{kid}"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IssuerSettings:
        return cls(
            base_url=str(config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            base_url_configured=bool(str(config.get("PUBLIC_BASE_URL") or "").strip()),
            name=config.get("ISSUER_NAME") or DEFAULT_ISSUER_NAME,
            signatory=config.get("CERT_SIGNATORY") or DEFAULT_SIGNATORY,
            instance_path=str(config["INSTANCE_PATH"]),
            signing_key=config.get("SIGNING_KEY") or None,
            email=config.get("ISSUER_EMAIL") or None,
        )


@dataclass(frozen=True)
class ReviewSettings:
    """Evidence for reviewers and the re-authentication of destructive admin actions."""

    min_seconds_per_question: float
    """``REVIEW_MIN_SECONDS_PER_QUESTION``: an attempt averaging less is flagged (default 10)."""
    identical_min_items: int
    """``REVIEW_IDENTICAL_MIN_ITEMS``: shared questions needed to flag identical responses
    between trainees of a cohort (default 5)."""
    burst_attempts: int
    """``REVIEW_BURST_ATTEMPTS``: attempts of one module within the window that are flagged
    (default 3)."""
    burst_minutes: int
    """``REVIEW_BURST_MINUTES``: that window, in minutes (default 60)."""
    reauth_minutes: int
    """``REAUTH_MAX_AGE_MINUTES``: how recent the password must be for revoke, deactivate and
    role changes (default 10)."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReviewSettings:
        seconds = config.get("REVIEW_MIN_SECONDS_PER_QUESTION")
        return cls(
            min_seconds_per_question=10.0 if seconds in (None, "") else float(seconds),
            identical_min_items=max(1, _int(config, "REVIEW_IDENTICAL_MIN_ITEMS", 5)),
            burst_attempts=max(2, _int(config, "REVIEW_BURST_ATTEMPTS", 3)),
            burst_minutes=max(1, _int(config, "REVIEW_BURST_MINUTES", 60)),
            reauth_minutes=max(1, _int(config, "REAUTH_MAX_AGE_MINUTES", 10)),
        )


@dataclass(frozen=True)
class Settings:
    """Everything an instance configures that the domains need (built from ``app.config``)."""

    issuer: IssuerSettings
    """Certificate issuer: ``PUBLIC_BASE_URL``, ``ISSUER_NAME``, ``ISSUER_EMAIL``,
    ``CERT_SIGNATORY``, ``SIGNING_KEY``, ``INSTANCE_PATH``."""
    instance_path: str
    """``INSTANCE_PATH``: SQLite file, generated secret key and signing key, demo password."""
    attempt_grace_seconds: int
    """``ATTEMPT_GRACE_SECONDS``: saves accepted after a timed attempt's deadline."""
    practice_new_per_day: int
    """``PRACTICE_NEW_PER_DAY``: new objectives a trainee's practice queue takes in per day."""
    practice_secret: str = field(repr=False)
    """``SECRET_KEY``: also signs the practice item tokens (never logged)."""
    login_rate_limit_ip: str
    """``LOGIN_RATE_LIMIT_IP``: log-in and token attempts per client IP."""
    login_rate_limit_account: str
    """``LOGIN_RATE_LIMIT_ACCOUNT``: log-in and token attempts per account *and* client IP
    (an attacker elsewhere cannot spend the owner's budget; see ``app/auth/throttle.py``)."""
    register_rate_limit: str
    """``REGISTER_RATE_LIMIT``: registrations (form posts) per client IP."""
    verify_rate_limit: str
    """``VERIFY_RATE_LIMIT``: public verification requests per client IP."""
    studio_max_image_bytes: int
    """``STUDIO_MAX_IMAGE_BYTES``: the largest image the studio accepts (larger: 413)."""
    max_upload_bytes: int
    """``MAX_CONTENT_LENGTH``: the largest request (larger: 413), hence the largest bank file
    the studio's import keeps for its confirmation."""
    mail: MailSettings
    """SMTP: ``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USE_TLS``, ``MAIL_USE_SSL``,
    ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_DEFAULT_SENDER``, ``MAIL_TIMEOUT``."""
    xapi: XapiSettings
    """The learning record store: ``XAPI_ENDPOINT``, ``XAPI_USERNAME``, ``XAPI_PASSWORD``,
    ``XAPI_TIMEOUT``."""
    accounts: AccountSettings
    """Links, limits and terms of the e-mail account flows (registration, reset, invitation)."""
    standard_setting_min_judges: int
    """``STANDARD_SETTING_MIN_JUDGES``: the smallest panel whose standard setting may propose a
    pass mark (judges who rated every item for Angoff, who gave limits for Hofstee)."""
    certificate_fallback_fonts: tuple[str, ...] | None
    """``CERTIFICATE_FALLBACK_FONTS``: font files for scripts DejaVu Sans lacks (separated by
    ``os.pathsep``); None (unset) uses the CJK fonts shipped in ``app/certificates/fonts``,
    empty uses none."""
    review: ReviewSettings
    """Reviewers' evidence flags and admin re-authentication (``REVIEW_*``, ``REAUTH_*``)."""

    @property
    def public_base_url(self) -> str:
        return self.issuer.base_url

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Read and convert every setting; a malformed number fails here, at start-up."""
        fonts = config.get("CERTIFICATE_FALLBACK_FONTS")
        return cls(
            issuer=IssuerSettings.from_config(config),
            instance_path=str(config["INSTANCE_PATH"]),
            attempt_grace_seconds=_int(config, "ATTEMPT_GRACE_SECONDS", DEFAULT_GRACE_SECONDS),
            practice_new_per_day=_int(config, "PRACTICE_NEW_PER_DAY", DEFAULT_PRACTICE_NEW_PER_DAY),
            practice_secret=str(config["SECRET_KEY"]),
            login_rate_limit_ip=str(config.get("LOGIN_RATE_LIMIT_IP") or "30/minute"),
            login_rate_limit_account=str(config.get("LOGIN_RATE_LIMIT_ACCOUNT") or "10/minute"),
            register_rate_limit=str(config.get("REGISTER_RATE_LIMIT") or "10/hour"),
            verify_rate_limit=str(config.get("VERIFY_RATE_LIMIT") or DEFAULT_VERIFY_RATE_LIMIT),
            studio_max_image_bytes=_int(
                config, "STUDIO_MAX_IMAGE_BYTES", DEFAULT_STUDIO_MAX_IMAGE_BYTES
            ),
            max_upload_bytes=_int(config, "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH),
            mail=MailSettings.from_config(config),
            xapi=XapiSettings.from_config(config),
            accounts=AccountSettings.from_config(config),
            standard_setting_min_judges=max(
                1,
                _int(config, "STANDARD_SETTING_MIN_JUDGES", DEFAULT_STANDARD_SETTING_MIN_JUDGES),
            ),
            certificate_fallback_fonts=None
            if fonts is None
            else tuple(p for p in str(fonts).split(os.pathsep) if p),
            review=ReviewSettings.from_config(config),
        )


# The config keys the settings are built from: a change to one of them (tests do that, on a
# running app) rebuilds the object on the next ``get_settings``.
CONFIG_KEYS = (
    "PUBLIC_BASE_URL",
    "ISSUER_NAME",
    "ISSUER_EMAIL",
    "CERT_SIGNATORY",
    "SIGNING_KEY",
    "INSTANCE_PATH",
    "ATTEMPT_GRACE_SECONDS",
    "PRACTICE_NEW_PER_DAY",
    "SECRET_KEY",
    "LOGIN_RATE_LIMIT_IP",
    "LOGIN_RATE_LIMIT_ACCOUNT",
    "REGISTER_RATE_LIMIT",
    "VERIFY_RATE_LIMIT",
    "STUDIO_MAX_IMAGE_BYTES",
    "MAX_CONTENT_LENGTH",
    "STANDARD_SETTING_MIN_JUDGES",
    "CERTIFICATE_FALLBACK_FONTS",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "MAIL_TIMEOUT",
    "XAPI_ENDPOINT",
    "XAPI_USERNAME",
    "XAPI_PASSWORD",
    "XAPI_TIMEOUT",
    "PASSWORD_RESET_MAX_AGE",
    "REGISTRATION_LINK_MAX_AGE",
    "INVITATION_MAX_AGE",
    "PASSWORD_RESET_RATE_LIMIT",
    "ACCOUNT_MAIL_RATE_LIMIT",
    "TERMS_VERSION",
    "REVIEW_MIN_SECONDS_PER_QUESTION",
    "REVIEW_IDENTICAL_MIN_ITEMS",
    "REVIEW_BURST_ATTEMPTS",
    "REVIEW_BURST_MINUTES",
    "REAUTH_MAX_AGE_MINUTES",
)


def _int(config: Mapping[str, Any], name: str, default: int) -> int:
    value = config.get(name)
    return default if value is None or value == "" else int(value)


def _snapshot(config: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(config.get(name) for name in CONFIG_KEYS)


def init_settings(app: Flask) -> Settings:
    """Build the app's settings from its config (once, in ``create_app``) and store them."""
    settings = Settings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = (_snapshot(app.config), settings)
    return settings


def get_settings(app: Flask | None = None) -> Settings:
    """The settings of ``app`` (default: the running app), for routes, CLI and hooks only."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stored = app.extensions.get(EXTENSION_KEY)
    if stored is None or stored[0] != _snapshot(app.config):
        return init_settings(app)
    return stored[1]


def set_overrides(app: Flask, overrides: Callable[[Settings], Settings]) -> None:
    """Register how ``effective_settings`` puts the database's values in (the factory does)."""
    app.extensions[OVERRIDES_KEY] = overrides


def effective_settings(app: Flask | None = None) -> Settings:
    """``get_settings()`` with the values administrators keep in the database put in (the
    organisation, signatory, attempt grace and mail sender; ``app/siteconfig``). One query,
    once per request (kept on the request; a change shows from the next request on) and once
    per call elsewhere (CLI commands, hooks after the response)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = getattr(request, REQUEST_ATTR, None) if has_request_context() else None
    if cached is not None and cached[0] is app:
        return cached[1]  # type: ignore[no-any-return]
    settings = get_settings(app)
    overrides = app.extensions.get(OVERRIDES_KEY)
    effective = settings if overrides is None else overrides(settings)
    if has_request_context():
        setattr(request, REQUEST_ATTR, (app, effective))
    return effective


def issuer_settings(app: Flask | None = None) -> IssuerSettings:
    """The issuer settings for links and signatures made now.

    With ``PUBLIC_BASE_URL`` set: as configured. Unset, inside a request: the address the
    request came to (so links work whatever address serves the app); outside one (the CLI,
    the demo): ``http://127.0.0.1:5000``.
    """
    return at_request_address(effective_settings(app).issuer)


def at_request_address(issuer: IssuerSettings) -> IssuerSettings:
    """``issuer`` with the request's address as its base URL when none is configured."""
    if issuer.base_url_configured or not has_request_context():
        return issuer
    return replace(issuer, base_url=request.host_url.rstrip("/"))
