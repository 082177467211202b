"""Hours, supervised sessions, supervisors' experience and OSCE stations, performances, marks.

- ``SupervisorExperience``: an instructor's recorded dry-needling experience (since when, how
  many sessions), which decides whether they may supervise under a program's rule.
- ``PracticeSession``: a lab day or live webinar an instructor ran, crediting hours (mode,
  content area) to each attendee; ``HoursEntry`` is one credit in a trainee's ledger, from a
  session (verified at once) or recorded by the trainee with an evidence file (pending until an
  instructor or admin verifies or rejects it).
- ``LogbookEntry``: one supervised session, signed off or returned by its named supervisor.
- ``OsceStation`` (authored, approved by a second person), ``OscePerformance`` (one candidate
  at one station, one or two examiners) and ``OsceMarking`` (one examiner's marks, sent with a
  sequence number; the result is final once every examiner submitted).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
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


class EntryStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class LogbookStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class StationState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"


class SupervisorExperience(Base):
    __tablename__ = "supervisor_experience"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    needling_since: Mapped[date] = mapped_column(sa.Date)
    sessions: Mapped[int] = mapped_column(sa.Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (sa.CheckConstraint("sessions >= 0", name="sessions_not_negative"),)


class PracticeSession(Base):
    __tablename__ = "practice_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    mode: Mapped[str] = mapped_column(sa.String(20))
    content_area: Mapped[str | None] = mapped_column(sa.String(20))
    hours: Mapped[float] = mapped_column(sa.Float)
    held_on: Mapped[date] = mapped_column(sa.Date)
    instructor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (sa.CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_range"),)


class HoursEntry(Base):
    __tablename__ = "hours_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    mode: Mapped[str] = mapped_column(sa.String(20))
    content_area: Mapped[str | None] = mapped_column(sa.String(20))
    hours: Mapped[float] = mapped_column(sa.Float)
    held_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[EntryStatus] = mapped_column(
        _enum(EntryStatus, "hours_entry_status"), default=EntryStatus.PENDING
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    evidence_name: Mapped[str | None] = mapped_column(sa.String(100))
    evidence_type: Mapped[str | None] = mapped_column(sa.String(40))
    evidence_data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="one_credit_per_session"),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_range"),
    )


class LogbookEntry(Base):
    __tablename__ = "logbook_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    performed_on: Mapped[date] = mapped_column(sa.Date)
    patient_code: Mapped[str] = mapped_column(sa.String(20))
    region: Mapped[str] = mapped_column(sa.String(20))
    muscles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    needles_in: Mapped[int] = mapped_column(sa.Integer)
    needles_out: Mapped[int] = mapped_column(sa.Integer)
    adverse_event: Mapped[str] = mapped_column(sa.String(500), default="none")
    supervisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    reflection: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[LogbookStatus] = mapped_column(
        _enum(LogbookStatus, "logbook_status"), default=LogbookStatus.PENDING
    )
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    trainee: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.CheckConstraint("user_id <> supervisor_id", name="not_self_supervised"),
        sa.CheckConstraint(
            "needles_in >= 0 AND needles_out >= 0 AND needles_in <= 500 AND needles_out <= 500",
            name="needle_counts_in_range",
        ),
    )


class OsceStation(Base):
    __tablename__ = "osce_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    task: Mapped[str] = mapped_column(sa.Text, default="")
    region: Mapped[str | None] = mapped_column(sa.String(20))
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    critical_errors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    global_scale: Mapped[int] = mapped_column(sa.Integer, default=5)
    pass_percent: Mapped[float] = mapped_column(sa.Float, default=70.0)
    min_global: Mapped[int] = mapped_column(sa.Integer, default=3)
    state: Mapped[StationState] = mapped_column(
        _enum(StationState, "osce_station_state"), default=StationState.DRAFT
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "approver_id IS NULL OR author_id IS NULL OR approver_id <> author_id",
            name="four_eyes",
        ),
    )


class OscePerformance(Base):
    __tablename__ = "osce_performances"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(
        sa.ForeignKey("osce_stations.id", ondelete="RESTRICT"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    examiners_needed: Mapped[int] = mapped_column(sa.Integer, default=2)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean)
    percent: Mapped[float | None] = mapped_column(sa.Float)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    station: Mapped[OsceStation] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])

    __table_args__ = (
        sa.CheckConstraint("examiners_needed IN (1, 2)", name="one_or_two_examiners"),
    )


class OsceMarking(Base):
    __tablename__ = "osce_markings"

    id: Mapped[int] = mapped_column(primary_key=True)
    performance_id: Mapped[int] = mapped_column(
        sa.ForeignKey("osce_performances.id", ondelete="CASCADE"), index=True
    )
    examiner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    marks: Mapped[dict[str, bool]] = mapped_column(sa.JSON, default=dict)
    critical: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    global_rating: Mapped[int | None] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    percent: Mapped[float | None] = mapped_column(sa.Float)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    examiner: Mapped[User] = relationship(foreign_keys=[examiner_id])

    __table_args__ = (
        sa.UniqueConstraint("performance_id", "examiner_id", name="one_marking_per_examiner"),
    )
