"""Writing audit events (flush, never commit: the route commits with the action)."""

from __future__ import annotations

import json
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.audit.chain import GENESIS, ChainBreak, ChainedEvent, event_hash, verify_chain
from app.audit.models import AuditEvent

# Any constant: the key of the PostgreSQL advisory lock that orders appends to the chain.
_CHAIN_LOCK_KEY = 0x41554449  # "AUDI"


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
    """Append one audit event for ``action`` by ``actor`` (None = the system or anonymous),
    chained to the event before it.

    On PostgreSQL a transaction-scoped advisory lock orders concurrent appends (held until the
    caller commits); SQLite already admits one writer at a time.
    """
    prev_hash = _chain_tail(session)
    at = clock.utcnow()
    actor_id = actor.id if actor is not None else None
    subject = None if subject_id is None else str(subject_id)
    # Stored as JSON: hash what the database will give back (tuples become lists, and so on).
    content = json.loads(json.dumps(details or {}, default=str))
    event = AuditEvent(
        at=at,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject,
        details=content,
        prev_hash=prev_hash,
        hash=event_hash(prev_hash, at, actor_id, action, subject_type, subject, content),
    )
    session.add(event)
    session.flush()
    connection, transaction = _innermost_transaction(session)
    connection.info[_TAIL] = (transaction, event.hash)
    return event


_TAIL = "audit_chain_tail"


def _innermost_transaction(session: Session) -> tuple[Any, Any]:
    """The session's database connection and its innermost transaction (a savepoint's, when
    one is open), the one an event is appended in."""
    connection = session.connection()
    return connection, connection.get_nested_transaction() or connection.get_transaction()


def _chain_tail(session: Session) -> str:
    """The hash of the chain's last event, under the chain's lock. An event appended in the
    connection's current (innermost) transaction is still the last one, since the lock is
    held until that transaction ends: its hash is reused, which spares a second event of a
    request (a login and its token) the lock's and the read's round trips. It is kept on the
    connection, not the session: sessions sharing a connection (the tests' savepoints) each
    append in a savepoint of their own, so an event of another one makes the next read
    again. Any other transaction reads it again."""
    connection, transaction = _innermost_transaction(session)
    kept = connection.info.get(_TAIL)
    if kept is not None and kept[0] is transaction:
        return str(kept[1])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))
    prev_hash = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return prev_hash or GENESIS


def verify(session: Session, batch: int = 1000) -> tuple[int, list[ChainBreak]]:
    """Check the whole chain in id order; returns (events checked, breaks)."""
    count = 0

    def rows() -> Any:
        nonlocal count
        last_id = 0
        while True:
            chunk = session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            ).all()
            if not chunk:
                return
            for row in chunk:
                count += 1
                yield ChainedEvent(
                    row.id,
                    row.at,
                    row.actor_id,
                    row.action,
                    row.subject_type,
                    row.subject_id,
                    row.details,
                    row.prev_hash,
                    row.hash,
                )
            last_id = chunk[-1].id

    breaks = verify_chain(rows())
    return count, breaks
