"""Jurisdiction rules in the database: the current text of each, every version, the proposals
to change one, and the jurisdictions each trainee chose."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class StoredRule(Base):
    """A jurisdiction rule as it applies now: its YAML text, at ``version``."""

    __tablename__ = "jurisdiction_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    profession: Mapped[str] = mapped_column(sa.String(40), index=True)
    as_of: Mapped[date] = mapped_column(sa.Date)
    review_by: Mapped[date] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    text: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)


class RuleVersion(Base):
    """Every text a rule has had (the history); never changed once written."""

    __tablename__ = "jurisdiction_rule_versions"
    __table_args__ = (sa.UniqueConstraint("rule_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    text: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(20))  # import | proposal
    proposed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)


class ProposalState(enum.StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


PROPOSAL_STATE = sa.Enum(
    ProposalState,
    name="rule_proposal_state",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda states: [s.value for s in states],
    validate_strings=True,
)


class RuleProposal(Base):
    """A new text for a rule, applied only by an administrator other than its author."""

    __tablename__ = "jurisdiction_rule_proposals"
    __table_args__ = (
        sa.CheckConstraint(
            "decided_by IS NULL OR state <> 'applied' OR decided_by <> proposed_by",
            name="four_eyes",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    base_version: Mapped[int] = mapped_column(sa.Integer)
    text: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[ProposalState] = mapped_column(PROPOSAL_STATE, default=ProposalState.PENDING)
    proposed_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")


class ChosenJurisdiction(Base):
    """A jurisdiction a trainee cares about (shown on their dashboard)."""

    __tablename__ = "chosen_jurisdictions"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rule_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
