"""Write messages to the outbox, claim the due ones, record each try (retry with backoff).

``queue`` is called inside the action's transaction: the message exists exactly when the
action committed. A sender (after the response, or ``flask mail send`` from cron) claims a row
with one conditional UPDATE (``pending`` and due, or a ``sending`` claim whose lease ran out),
so two senders never both take it; it then records ``sent``, or a failure with the next try
``backoff(attempts)`` later, up to ``MAX_ATTEMPTS`` (then ``failed``).

A sender that dies between the SMTP server's acceptance and the ``sent`` row leaves the claim
to expire and the message is tried again: delivery is at-least-once in that crash window only,
and every try of one row carries the same Message-ID, so a mailbox can tell the copies apart.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import Session

from app import clock
from app.mail.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 10
BASE_DELAY_SECONDS = 60
MAX_DELAY_SECONDS = 6 * 60 * 60
CLAIM_LEASE = timedelta(minutes=5)
QUEUED_KEY = "mail_queued"  # session.info: ids queued in this unit of work


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most 6 hours."""
    exponent = max(0, attempts - 1)
    return timedelta(seconds=min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** min(exponent, 20)))


def queue(
    session: Session,
    to: str,
    template: str,
    subject: str,
    *,
    list_unsubscribe: str | None = None,
    **context: object,
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` and ``.html`` and add the message to the outbox (flushed,
    not committed). Both bodies get ``subject`` and ``context``. ``list_unsubscribe``: the
    one-click unsubscribe URL of a mail that is not strictly transactional (sent as the
    ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers, RFC 8058)."""
    if "\n" in subject or "\r" in subject:
        raise ValueError("a subject is one line")
    text = render_template(f"mail/{template}.txt", subject=subject, **context)
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    now = clock.utcnow()
    message = OutboxMessage(
        template=template,
        to_addr=to,
        subject=subject,
        text_body=text,
        html_body=html,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        last_error="",
        list_unsubscribe=list_unsubscribe,
    )
    session.add(message)
    session.flush()
    session.info.setdefault(QUEUED_KEY, []).append(message.id)
    return message


def take_queued_ids(session: Session) -> list[int]:
    """The ids queued through ``session`` since the last call (then forgotten)."""
    return list(session.info.pop(QUEUED_KEY, []))


# ---------------------------------------------------------------- leased rows
# The claim-and-lease mechanism, for any outbox table with the columns of ``OutboxMessage``
# (id, status, next_attempt_at, claim_token, claimed_until, attempts, sent_at, last_error):
# the mail outbox below and the xAPI outbox (``app/xapi/outbox.py``) share it.


def due(model: Any, now: datetime) -> sa.ColumnElement[bool]:
    """Rows waiting for their next try, or claimed by a sender whose lease ran out."""
    return sa.or_(
        sa.and_(model.status == OutboxStatus.PENDING, model.next_attempt_at <= now),
        sa.and_(model.status == OutboxStatus.SENDING, model.claimed_until < now),
    )


def due_row_ids(session: Session, model: Any, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            sa.select(model.id)
            .where(due(model, now))
            .order_by(model.next_attempt_at, model.id)
            .limit(limit)
        )
    )


def claim_rows(
    session: Session, model: Any, ids: list[int], now: datetime
) -> tuple[str, list[int]]:
    """Claim those of ``ids`` still due, each with one conditional UPDATE; the caller commits
    before sending. Returns the claim token and the ids this sender owns."""
    token = secrets.token_hex(16)
    owned = []
    for row_id in ids:
        result = session.execute(
            sa.update(model)
            .where(model.id == row_id, due(model, now))
            .values(status=OutboxStatus.SENDING, claim_token=token, claimed_until=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            owned.append(row_id)
    return token, owned


def mark_row_sent(session: Session, model: Any, row_id: int, token: str, now: datetime) -> None:
    session.execute(
        sa.update(model)
        .where(model.id == row_id, model.claim_token == token)
        .values(
            status=OutboxStatus.SENT,
            sent_at=now,
            attempts=model.attempts + 1,
            claim_token=None,
            claimed_until=None,
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )


# ---------------------------------------------------------------- the mail outbox


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    return due_row_ids(session, OutboxMessage, now, limit)


def claim(session: Session, ids: list[int], now: datetime) -> tuple[str, list[int]]:
    return claim_rows(session, OutboxMessage, ids, now)


def mark_sent(session: Session, message_id: int, token: str, now: datetime) -> None:
    mark_row_sent(session, OutboxMessage, message_id, token, now)


def mark_failed(session: Session, message: OutboxMessage, token: str, error: str) -> None:
    """Record a failed try: retry after ``backoff``, or give up after ``MAX_ATTEMPTS``."""
    attempts = message.attempts + 1
    now = clock.utcnow()
    status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token)
        .values(
            status=status,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            claim_token=None,
            claimed_until=None,
            last_error=error[:500],
        )
        .execution_options(synchronize_session=False)
    )


def retry_now(session: Session, message_id: int) -> OutboxMessage | None:
    """Put a failed or waiting message back in line for the next sender (admin action)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status in (OutboxStatus.SENT, OutboxStatus.SENDING):
        return message
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = clock.utcnow()
    session.flush()
    return message
