"""AuditEvent: one append-only row per privileged or security-relevant action.

Append-only twice over: on PostgreSQL a trigger (migration ``audit_chain``) refuses UPDATE and
DELETE of any row, and on both databases each row carries the hash of the one before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(50))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The hash chain (app/audit/chain.py): the previous event's hash and this one's.
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # no forks
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),)
