"""Queue statements in the action's transaction; claim the due ones; record each try.

The same guarantees as the mail outbox (``app/mail/outbox.py``): a statement exists exactly
when its action committed; a sender claims rows with one conditional UPDATE, so two senders
never both take one; a failure is retried after ``backoff`` (never given up: a store that is
down for a week still gets everything, the row just waits at the longest backoff). A sender
that dies after the LRS stored a statement sends it again once its claim expires: the LRS
answers 204 or 409 for an id it has, so nothing is duplicated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.mail import outbox as leased
from app.mail.models import OutboxStatus
from app.mail.outbox import backoff
from app.xapi.models import XapiOutboxStatement

QUEUED_KEY = "xapi_queued"  # session.info: ids queued in this unit of work


def queue(
    session: Session, statement: dict[str, Any], verb: str, user_id: int | None
) -> XapiOutboxStatement | None:
    """Add the statement (``statements.to_json`` output) unless its id is already queued
    (the event was recorded before); flushed, not committed."""
    statement_id = str(statement["id"])
    existing = session.scalar(
        sa.select(XapiOutboxStatement.id).where(XapiOutboxStatement.statement_id == statement_id)
    )
    if existing is not None:
        return None
    now = clock.utcnow()
    row = XapiOutboxStatement(
        statement_id=statement_id,
        verb=verb,
        user_id=user_id,
        body=statement,
        created_at=now,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
    )
    session.add(row)
    session.flush()
    session.info.setdefault(QUEUED_KEY, []).append(row.id)
    return row


def take_queued_ids(session: Session) -> list[int]:
    return list(session.info.pop(QUEUED_KEY, []))


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    return leased.due_row_ids(session, XapiOutboxStatement, now, limit)


def claim(session: Session, ids: list[int], now: datetime) -> tuple[str, list[int]]:
    """Claim those of ``ids`` still due; the caller commits before sending."""
    return leased.claim_rows(session, XapiOutboxStatement, ids, now)


def mark_sent(session: Session, row_id: int, token: str, now: datetime) -> None:
    leased.mark_row_sent(session, XapiOutboxStatement, row_id, token, now)


def mark_failed(session: Session, row: XapiOutboxStatement, token: str, error: str) -> None:
    """Record a failed try; the row waits ``backoff(attempts)`` and is tried again."""
    attempts = row.attempts + 1
    session.execute(
        sa.update(XapiOutboxStatement)
        .where(XapiOutboxStatement.id == row.id, XapiOutboxStatement.claim_token == token)
        .values(
            status=OutboxStatus.PENDING,
            attempts=attempts,
            next_attempt_at=clock.utcnow() + backoff(attempts),
            claim_token=None,
            claimed_until=None,
            last_error=error[:500],
        )
        .execution_options(synchronize_session=False)
    )


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(XapiOutboxStatement.status, sa.func.count()).group_by(XapiOutboxStatement.status)
    ).all()
    return {str(status): int(n) for status, n in rows}
