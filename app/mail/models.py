"""The outbox: every message, written in the same transaction as the action that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try or a retry (next_attempt_at)
    SENDING = "sending"  # claimed by one sender until claimed_until
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; an administrator sees it in the outbox


OUTBOX_STATUS_ENUM = sa.Enum(
    OutboxStatus,
    name="outbox_status",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda values: [v.value for v in values],
    validate_strings=True,
)


class OutboxMessage(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    template: Mapped[str] = mapped_column(sa.String(50))
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(OUTBOX_STATUS_ENUM, default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    # The one-click unsubscribe URL (RFC 8058) of an optional mail, sent as List-Unsubscribe
    # with List-Unsubscribe-Post; None for transactional mail.
    list_unsubscribe: Mapped[str | None] = mapped_column(sa.String(1000))
