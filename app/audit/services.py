"""Writing audit events (flush, never commit: the route commits with the action)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from app import clock
from app.audit.models import AuditEvent


class Actor(Protocol):
    """Who acted: a user (``app.auth.models.User``); audit sits below auth and needs only the id."""

    id: int


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    subject_type: str | None = None,
    subject_id: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event for ``action`` by ``actor`` (None = the system or anonymous)."""
    event = AuditEvent(
        at=clock.utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event
