"""Login throttling that an attacker elsewhere cannot turn against the account's owner.

Failed logins are counted per **account and client IP** together, in the rate limiter's
storage (Redis in production, so every worker and server shares the count). The first
``FREE_FAILURES`` failures in ``WINDOW_SECONDS`` cost nothing; after that each further failure
makes that account-and-IP pair wait twice as long as the last (1 s, 2 s, 4 s … capped at
``MAX_DELAY_SECONDS``), answered with 429 and ``Retry-After``. A success clears the pair.

The owner, logging in from their own address, never shares a pair with an attacker, so bad
passwords sent from elsewhere cannot lock them out. Guessing from one address is slowed by the
delay and by the per-IP limit on the login endpoints; guessing from many addresses is slowed by
the password hash (argon2) and stopped by strong passwords (``passwords.password_problems``).
The form at ``/login`` and ``POST /api/v1/tokens`` go through :func:`authenticate_throttled`
and carry the same two shared rate limits, :data:`login_ip_limit` (per client IP) and
:data:`login_pair_limit` (per account and IP), so they draw on one budget.
Throttle keys hold a hash of the account and address, never either in clear.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Protocol

from flask import request
from sqlalchemy.orm import Session
from werkzeug.exceptions import TooManyRequests

from app.auth import services
from app.auth.models import User
from app.extensions import limiter, rate_limit_key
from app.settings import get_settings

FREE_FAILURES = 10  # the per-pair rate limit (10/minute by default) already applies
WINDOW_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 15 * 60


class CounterStorage(Protocol):
    """The subset of a ``limits`` storage (memory, Redis) the throttle uses."""

    def incr(self, key: str, expiry: int, amount: int = 1) -> int: ...

    def get(self, key: str) -> int: ...

    def get_expiry(self, key: str) -> float: ...

    def clear(self, key: str) -> None: ...


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` failures in the window (pure)."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_FAILURES - 1))


@dataclass(frozen=True)
class LoginThrottle:
    """Counts over ``storage``; ``None`` (rate limiting switched off) counts nothing."""

    storage: CounterStorage | None

    @staticmethod
    def _pair(email: str, ip: str) -> str:
        text = f"{email.strip().lower()}\n{ip}"
        return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]

    def retry_after(self, email: str, ip: str) -> int:
        """Seconds this account-and-IP pair must still wait (0: it may try now)."""
        if self.storage is None:
            return 0
        key = f"login-wait/{self._pair(email, ip)}"
        if self.storage.get(key) <= 0:
            return 0
        return max(1, math.ceil(self.storage.get_expiry(key) - time.time()))

    def failed(self, email: str, ip: str) -> None:
        if self.storage is None:
            return
        pair = self._pair(email, ip)
        failures = self.storage.incr(f"login-failures/{pair}", WINDOW_SECONDS)
        delay = delay_after(failures)
        if delay:
            self.storage.clear(f"login-wait/{pair}")
            self.storage.incr(f"login-wait/{pair}", delay)

    def succeeded(self, email: str, ip: str) -> None:
        if self.storage is None:
            return
        pair = self._pair(email, ip)
        self.storage.clear(f"login-failures/{pair}")
        self.storage.clear(f"login-wait/{pair}")


def authenticate_throttled(
    session: Session, throttle: LoginThrottle, email: str, password: str, ip: str
) -> User:
    """``services.authenticate`` behind the throttle: 429 (``TooManyRequests`` with
    ``retry_after``) while the pair must wait, without checking the password at all."""
    wait = throttle.retry_after(email, ip)
    if wait:
        raise TooManyRequests(
            f"Too many failed logins from this address: try again in {wait} s.",
            retry_after=wait,
        )
    try:
        user = services.authenticate(session, email, password)
    except services.InvalidCredentials:
        throttle.failed(email, ip)
        raise
    throttle.succeeded(email, ip)
    return user


def submitted_email() -> str:
    """The e-mail address a login form or token request names, lower-cased ("" if none)."""
    email = ""
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            email = str(body.get("email") or "")
    else:
        email = request.form.get("email", "")
    return email.strip().lower()


def login_pair_key() -> str:
    """Rate-limit key of a login: the account named and the client address together."""
    return f"account:{LoginThrottle._pair(submitted_email(), rate_limit_key())}"


def login_throttle() -> LoginThrottle:
    """The throttle over the limiter's storage (shared by every worker with Redis); it counts
    nothing when rate limiting is switched off (``RATELIMIT_ENABLED=0``)."""
    return LoginThrottle(limiter.storage if limiter.enabled else None)


# One budget for the form and the API: the same shared limits decorate both endpoints.
login_ip_limit = limiter.shared_limit(
    lambda: get_settings().login_rate_limit_ip, scope="login-ip", methods=["POST"]
)
login_pair_limit = limiter.shared_limit(
    lambda: get_settings().login_rate_limit_account,
    scope="login-account",
    key_func=login_pair_key,
    methods=["POST"],
)


def address_key() -> str:
    """Rate-limit key of a registration or reset request: the address named (hashed)."""
    digest = hashlib.sha256(submitted_email().encode("utf-8", "replace")).hexdigest()[:32]
    return f"address:{digest}"


# Registration and reset requests share one budget per e-mail address (nobody can flood a
# mailbox from many IPs), on top of each endpoint's own limit per client IP.
account_mail_limit = limiter.shared_limit(
    lambda: get_settings().accounts.account_mail_rate_limit,
    scope="account-mail",
    key_func=address_key,
    methods=["POST"],
)
