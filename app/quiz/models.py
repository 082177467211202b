"""Learner state for the quiz engine: attempts and their items.

An attempt points at the exact QuestionVersions it drew; editing a question never changes it.
Invariants are enforced by the database where it can: one open attempt per user and module
(a partial unique index, on SQLite and PostgreSQL), unique attempt numbers, score bounds.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.banks.models import CaseVersion, Module, QuestionVersion
from app.banks.schema import Mode
from app.extensions import Base, UTCDateTime


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"  # closed at its deadline, graded on what was saved


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="RESTRICT"))
    attempt_no: Mapped[int] = mapped_column(sa.Integer)
    mode: Mapped[Mode] = mapped_column(
        sa.Enum(
            Mode,
            name="attempt_mode",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda ms: [m.value for m in ms],
            validate_strings=True,
        )
    )
    status: Mapped[AttemptStatus] = mapped_column(
        sa.Enum(
            AttemptStatus,
            name="attempt_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda ss: [s.value for s in ss],
            validate_strings=True,
        ),
        default=AttemptStatus.IN_PROGRESS,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None] = mapped_column(sa.Float)
    max_score: Mapped[float] = mapped_column(sa.Float)
    percent: Mapped[float | None] = mapped_column(sa.Float)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean)
    pass_mark: Mapped[float] = mapped_column(sa.Float)  # the module's, when the attempt began

    module: Mapped[Module] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id", "attempt_no"),
        sa.Index(
            "uq_attempts_one_open",
            "user_id",
            "module_id",
            unique=True,
            postgresql_where=sa.text("status = 'in_progress'"),
            sqlite_where=sa.text("status = 'in_progress'"),
        ),
        sa.Index("ix_attempts_user_module", "user_id", "module_id", "status"),
        # One module's attempts (item analysis, issue 19: bench/explain.py).
        sa.Index("ix_attempts_module_user", "module_id", "user_id", "attempt_no"),
        sa.CheckConstraint(
            "submitted_at IS NULL OR submitted_at >= started_at", name="submitted_after_start"
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= max_score)", name="score_in_range"
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS


class AttemptItem(Base):
    """One question of an attempt: the version shown, the display order, the saved response.

    ``display`` maps the opaque ids the trainee sees to the version's own ids, in the order
    shown: ``{"options": [[opaque, id], ...], "premises": [...], "regions": [...]}``.
    ``seq`` counts acknowledged saves; a save must name the seq it was based on.
    """

    __tablename__ = "attempt_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    case_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case_versions.id", ondelete="RESTRICT")
    )
    case_step: Mapped[int | None] = mapped_column(sa.Integer)  # 1-based position in the case
    display: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    response: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flagged: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    locked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    score: Mapped[float | None] = mapped_column(sa.Float)
    max_score: Mapped[float] = mapped_column(sa.Float, default=1.0)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    question_version: Mapped[QuestionVersion] = relationship()
    case_version: Mapped[CaseVersion | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    @property
    def version(self) -> Any:
        """What the presenters read of the question version (``use``, ``media_sha256``,
        ``as_question()``): the worker's decoded copy when ``queries.attempt_for`` attached one
        (``app/quiz/versions.py``), else the ORM relationship."""
        data = self.__dict__.get("version_data")
        if data is not None and data.id == self.question_version_id:
            return data
        return self.question_version


class AttemptExtension(Base):
    """Extra minutes granted to one open timed attempt by an administrator: the attempt's
    ``deadline`` is moved (so every server-side check and the timer use it), and this row
    records by whom, why, and the deadline before and after."""

    __tablename__ = "attempt_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    minutes: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(500))
    deadline_before: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_after: Mapped[datetime] = mapped_column(UTCDateTime())
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("minutes >= 1 AND minutes <= 480", name="minutes_in_range"),
    )


class ExposureKind(enum.StrEnum):
    QUESTION = "question"
    CASE = "case"


def _exposure_kind(name: str) -> sa.Enum:
    """The ``kind`` column's type (a check constraint named ``name``, per table)."""
    return sa.Enum(
        ExposureKind,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        length=8,
    )


class ItemExposure(Base):
    """That ``user`` has been served an item (a question, or a whole case) at least once, in
    any attempt: written by the draw in the start's transaction, never removed. The primary
    key makes a second serving of the same item to the same trainee a no-op, so
    ``ExposureCount`` is raised once per trainee. ``item_id`` is a question or a case id
    (by ``kind``), hence no foreign key on it."""

    __tablename__ = "item_exposures"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    kind: Mapped[ExposureKind] = mapped_column(_exposure_kind("exposure_kind"), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)


class ExposureCount(Base):
    """How many distinct trainees have been served an item: what the draw reads to prefer the
    least exposed, in one bounded lookup (counting ``item_exposures`` or the attempt items
    grows with the institution's history: docs/benchmarks.md)."""

    __tablename__ = "exposure_counts"

    kind: Mapped[ExposureKind] = mapped_column(
        _exposure_kind("exposure_count_kind"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    trainees: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (sa.CheckConstraint("trainees >= 1", name="trainees_positive"),)
