"""Completions, certificates, signing keys (public halves only), status lists and PDF cache.

Invariants held by the database:
- one pending or approved Completion per (user, program, cycle) (a partial unique index);
  ``cycle`` is 1 for the first certification and +1 for each renewal;
- one current Certificate per (user, program): neither revoked nor superseded (partial index);
- serials and verification codes are unique; a status-list index is used once per list.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.banks.models import Program
from app.extensions import Base, UTCDateTime


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda xs: [x.value for x in xs],
        validate_strings=True,
    )


class CompletionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CertificateKind(enum.StrEnum):
    INITIAL = "initial"
    RENEWAL = "renewal"  # renews ``previous`` (which then reads "superseded")
    REISSUE = "reissue"  # replaces ``previous`` after a correction (which is then revoked)


class Completion(Base):
    __tablename__ = "completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="RESTRICT"))
    cycle: Mapped[int] = mapped_column(sa.Integer, default=1)
    status: Mapped[CompletionStatus] = mapped_column(
        _enum(CompletionStatus, "completion_status"), default=CompletionStatus.PENDING
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attempts.id", ondelete="SET NULL")
    )
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Set by a regrade that no longer supports this completion (why and when): flagged for a
    # person to decide, never revoked by the regrade itself. None: not flagged.
    regrade_flag: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    program: Mapped[Program] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    __table_args__ = (
        sa.Index(
            "uq_completions_one_active",
            "user_id",
            "program_id",
            "cycle",
            unique=True,
            postgresql_where=sa.text("status IN ('pending', 'approved')"),
            sqlite_where=sa.text("status IN ('pending', 'approved')"),
        ),
        sa.Index("ix_completions_status_completed", "status", "completed_at"),
        sa.Index("ix_completions_user_program", "user_id", "program_id"),
        # The review queue's regrade-flagged completions (issue 19: only flagged rows).
        sa.Index(
            "ix_completions_regrade_flagged",
            "completed_at",
            "id",
            postgresql_where=sa.text("regrade_flag IS NOT NULL"),
            sqlite_where=sa.text("regrade_flag IS NOT NULL"),
        ),
    )


class StatusList(Base):
    """A Bitstring Status List (revocation). Indices are handed out once, never reused."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(20), default="revocation")
    size: Mapped[int] = mapped_column(sa.Integer)
    allocated: Mapped[int] = mapped_column(sa.Integer, default=0)
    # The signed BitstringStatusListCredential, re-signed on each revocation.
    credential: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (sa.CheckConstraint("allocated <= size", name="allocated_within_size"),)


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    serial: Mapped[str] = mapped_column(sa.String(40), unique=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="RESTRICT"))
    completion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("completions.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[CertificateKind] = mapped_column(_enum(CertificateKind, "certificate_kind"))
    previous_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("certificates.id", ondelete="RESTRICT"), index=True
    )
    # A snapshot of what was certified (names change; the certificate does not).
    learner_name: Mapped[str] = mapped_column(sa.String(200))
    licence_number: Mapped[str] = mapped_column(sa.String(100), default="")
    program_title: Mapped[str] = mapped_column(sa.String(200))
    ce_hours: Mapped[float] = mapped_column(sa.Float)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_list_id: Mapped[int] = mapped_column(sa.ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(sa.Integer)
    signing_key_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_keys.id"))
    credential: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    program: Mapped[Program] = relationship()
    completion: Mapped[Completion] = relationship(foreign_keys=[completion_id])
    previous: Mapped[Certificate | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("status_list_id", "status_index"),
        sa.Index(
            "uq_certificates_one_current",
            "user_id",
            "program_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL AND superseded_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL AND superseded_at IS NULL"),
        ),
        sa.Index("ix_certificates_user_issued", "user_id", "issued_at"),
        sa.Index("ix_certificates_issued_at", "issued_at"),
    )


class SerialCounter(Base):
    """The last serial number used per program prefix and year (``DNF-2026-000123``)."""

    __tablename__ = "serial_counters"

    prefix: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last: Mapped[int] = mapped_column(sa.Integer, default=0)


class SigningKey(Base):
    """The public half of an Ed25519 issuing key. Private keys never enter the database."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(40), unique=True)
    public_key_multibase: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Rotated out: still published (with ``expires``) so old certificates verify."""
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Compromised: published with ``revoked``; nothing it signed verifies any more."""


class CertificatePdf(Base):
    """A rendered PDF, cached per certificate, paper size and template version."""

    __tablename__ = "certificate_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("certificates.id", ondelete="CASCADE")
    )
    paper: Mapped[str] = mapped_column(sa.String(10))
    template_version: Mapped[int] = mapped_column(sa.Integer)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (sa.UniqueConstraint("certificate_id", "paper", "template_version"),)
