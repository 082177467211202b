"""The xAPI outbox: one row per statement, written in the transaction of the action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime
from app.mail.models import OutboxStatus

XAPI_STATUS_ENUM = sa.Enum(
    OutboxStatus,
    name="xapi_outbox_status",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda values: [v.value for v in values],
    validate_strings=True,
)


class XapiOutboxStatement(Base):
    """A statement waiting for (or delivered to) the LRS. ``statement_id`` is unique: the
    same event queued twice is one row, and resends carry the same id."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (sa.Index("ix_xapi_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    verb: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    status: Mapped[OutboxStatus] = mapped_column(XAPI_STATUS_ENUM, default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
