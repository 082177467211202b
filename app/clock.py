"""The platform's single source of "now": an aware UTC datetime from a replaceable provider.

All code calls ``clock.utcnow()`` instead of ``datetime.now``; tests swap the provider
(``clock.set_provider(fn)`` or the ``frozen_clock`` fixture) to control time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Provider = Callable[[], datetime]


def _system_now() -> datetime:
    return datetime.now(UTC)


_provider: Provider = _system_now


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    value = _provider()
    if value.tzinfo is None:
        raise ValueError("clock provider returned a naive datetime")
    return value.astimezone(UTC)


def set_provider(provider: Provider | None) -> None:
    """Replace the time provider; ``None`` restores the system clock."""
    global _provider
    _provider = provider or _system_now


def reset() -> None:
    """Restore the system clock."""
    set_provider(None)
