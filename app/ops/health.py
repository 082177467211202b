"""What ``/healthz`` checks: the database answers ``SELECT 1``, the limiter's Redis a PING.

Each check returns a word for the JSON body and never raises; the reason of a failure is
logged (without the connection URL, which may hold a password).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
UNREACHABLE = "unreachable"
TIMEOUT_SECONDS = 2.0  # a health check must answer well before the balancer gives up

# Storage URIs of the ``limits`` library that redis-py reads as they are, and the ones it
# reads once the ``redis+`` prefix is dropped.
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
LIMITS_REDIS_UNIX = "redis+unix://"


@dataclass(frozen=True)
class Health:
    database: str
    redis: str

    @property
    def ok(self) -> bool:
        return self.database == OK and self.redis in (OK, NOT_CONFIGURED)

    @property
    def http_status(self) -> int:
        return 200 if self.ok else 503

    def as_json(self) -> dict[str, str]:
        return {
            "status": "ok" if self.ok else "error",
            "database": self.database,
            "redis": self.redis,
        }


def database_status(engine: sa.Engine) -> str:
    """``ok`` when a fresh or pooled connection answers ``SELECT 1``, else ``unreachable``."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1")).scalar_one()
    except (SQLAlchemyError, OSError) as exc:
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        return UNREACHABLE
    return OK


def redis_status(storage_uri: str, storage_check: Callable[[], object]) -> str:
    """``not configured`` for the in-process ``memory://`` store; otherwise ``ok`` when the
    store answers: a PING with a short timeout for Redis URLs, the ``limits`` storage's own
    check for any other store (sentinel, cluster, ...)."""
    uri = storage_uri.strip()
    if not uri or uri.startswith("memory://"):
        return NOT_CONFIGURED
    try:
        if uri.startswith(LIMITS_REDIS_UNIX):
            uri = "unix://" + uri[len(LIMITS_REDIS_UNIX) :]
        if uri.startswith(REDIS_SCHEMES):
            return OK if _ping(uri) else UNREACHABLE
        return OK if storage_check() else UNREACHABLE
    except (redis.RedisError, OSError, ValueError) as exc:
        log.warning("health check: Redis did not answer (%s)", type(exc).__name__)
        return UNREACHABLE


def _ping(uri: str) -> bool:
    client = redis.Redis.from_url(
        uri, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        return bool(client.ping())
    finally:
        client.close()
