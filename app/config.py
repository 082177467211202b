"""Settings, all read from environment variables (see docs/operations.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_path() -> Path:
    """The folder for the SQLite database, the generated secret key and the demo password."""
    return Path(os.environ.get("INSTANCE_PATH", str(DEFAULT_INSTANCE))).resolve()


def _secret_key(env: str, folder: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


# Settings that do not come from the environment (cookies, CSRF, the OpenAPI document).
FIXED_SETTINGS: dict[str, Any] = {
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # flask-smorest / OpenAPI
    "API_TITLE": "Dry Needling Academy API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def _mail_and_account_settings() -> dict[str, Any]:
    """Mail (``app/mail``) and the e-mail account flows (``app/auth/accounts.py``); converted
    and defaulted in ``app/settings.py``."""
    return {
        # Mail (app/mail; docs/operations.md). No MAIL_SERVER: mail stays in the outbox.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": os.environ.get("MAIL_PORT") or None,
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or None,
        "MAIL_TIMEOUT": os.environ.get("MAIL_TIMEOUT") or None,
        # xAPI statements (app/xapi; docs/xapi.md). No XAPI_ENDPOINT: xAPI is off.
        "XAPI_ENDPOINT": os.environ.get("XAPI_ENDPOINT") or None,
        "XAPI_USERNAME": os.environ.get("XAPI_USERNAME") or None,
        "XAPI_PASSWORD": os.environ.get("XAPI_PASSWORD") or None,
        "XAPI_TIMEOUT": os.environ.get("XAPI_TIMEOUT") or None,
        # Accounts by e-mail (app/auth/accounts.py).
        "PASSWORD_RESET_MAX_AGE": os.environ.get("PASSWORD_RESET_MAX_AGE") or None,
        "REGISTRATION_LINK_MAX_AGE": os.environ.get("REGISTRATION_LINK_MAX_AGE") or None,
        "INVITATION_MAX_AGE": os.environ.get("INVITATION_MAX_AGE") or None,
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT") or None,
        "ACCOUNT_MAIL_RATE_LIMIT": os.environ.get("ACCOUNT_MAIL_RATE_LIMIT") or None,
        "TERMS_VERSION": os.environ.get("TERMS_VERSION") or None,
    }


def _review_settings() -> dict[str, Any]:
    """Reviewers' evidence flags and admin re-authentication; converted in app/settings.py."""
    names = (
        "REVIEW_MIN_SECONDS_PER_QUESTION",
        "REVIEW_IDENTICAL_MIN_ITEMS",
        "REVIEW_BURST_ATTEMPTS",
        "REVIEW_BURST_MINUTES",
        "REAUTH_MAX_AGE_MINUTES",
    )
    return {name: os.environ.get(name) or None for name in names}


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply ``overrides``."""
    overrides = dict(overrides or {})
    env = os.environ.get("APP_ENV", "development")
    folder = Path(overrides.get("INSTANCE_PATH") or instance_path()).resolve()
    production = env == "production"
    testing = bool(overrides.get("TESTING", _bool(os.environ.get("TESTING"))))

    settings: dict[str, Any] = {
        "APP_ENV": env,
        "TESTING": testing,
        "DEBUG": False,
        "INSTANCE_PATH": str(folder),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{folder / 'app.db'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT_ACCOUNT": os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "10/minute"),
        "LOGIN_RATE_LIMIT_IP": os.environ.get("LOGIN_RATE_LIMIT_IP", "30/minute"),
        "REGISTER_RATE_LIMIT": os.environ.get("REGISTER_RATE_LIMIT", "10/hour"),
        "ATTEMPT_GRACE_SECONDS": int(os.environ.get("ATTEMPT_GRACE_SECONDS", "60")),
        # Unset: pages use the address of the request, the CLI http://127.0.0.1:5000.
        "PUBLIC_BASE_URL": (os.environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        "ISSUER_NAME": os.environ.get("ISSUER_NAME") or None,  # certificates: app/settings.py
        "ISSUER_EMAIL": os.environ.get("ISSUER_EMAIL") or None,
        "CERT_SIGNATORY": os.environ.get("CERT_SIGNATORY") or None,
        "SIGNING_KEY": os.environ.get("SIGNING_KEY") or None,
        "VERIFY_RATE_LIMIT": os.environ.get("VERIFY_RATE_LIMIT") or None,
        "CERTIFICATE_FALLBACK_FONTS": os.environ.get("CERTIFICATE_FALLBACK_FONTS"),
        "PRACTICE_NEW_PER_DAY": int(os.environ.get("PRACTICE_NEW_PER_DAY") or "10"),
        "STUDIO_MAX_IMAGE_BYTES": int(
            os.environ.get("STUDIO_MAX_IMAGE_BYTES") or str(2 * 1024 * 1024)
        ),
        "STANDARD_SETTING_MIN_JUDGES": int(os.environ.get("STANDARD_SETTING_MIN_JUDGES") or "3"),
        "TRUST_PROXY": _bool(os.environ.get("TRUST_PROXY")),
        "BENCH_MODE": _bool(os.environ.get("BENCH_MODE")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        **FIXED_SETTINGS,
    }
    settings.update(_mail_and_account_settings())
    settings.update(_review_settings())
    if production:
        settings.update(
            SESSION_COOKIE_NAME="__Host-session",
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_NAME="__Host-remember_token",
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )
    if "SECRET_KEY" not in overrides:
        settings["SECRET_KEY"] = _secret_key(env, folder)
    settings.update(overrides)
    return settings
