"""What was notified (so each notification goes once) and who opted out of reminders."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class NotificationSent(Base):
    """One row per notification written to the outbox; the unique key makes it once only."""

    __tablename__ = "notifications_sent"
    __table_args__ = (sa.UniqueConstraint("kind", "subject_key", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject_key: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)


class NotificationOptOut(Base):
    """A user who unsubscribed from a category (today: ``reminders``, the expiry reminders)."""

    __tablename__ = "notification_optouts"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
