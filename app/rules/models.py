"""A proposed change to a module's or a program's rules, and its decision."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class ChangeState(enum.StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RuleChange(Base):
    """``changes`` holds the proposed values of the changed fields only, ``before`` their
    values when proposed (applying requires the target to still hold them). ``source`` says
    where the proposal came from (``studio``, ``standard_setting``), ``figures`` the method's
    numbers for a standard-setting proposal. At most one pending change per target."""

    __tablename__ = "rule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(sa.String(20))  # module | program
    target_slug: Mapped[str] = mapped_column(sa.String(80))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    before: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(30), default="studio")
    figures: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    state: Mapped[ChangeState] = mapped_column(
        sa.Enum(
            ChangeState,
            name="rule_change_state",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        default=ChangeState.PENDING,
    )
    proposed_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.Index("ix_rule_changes_target", "target_kind", "target_slug"),
        sa.Index("ix_rule_changes_state", "state"),
        sa.Index(
            "uq_rule_changes_one_pending",
            "target_kind",
            "target_slug",
            unique=True,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        ),
    )
