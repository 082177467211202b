"""Authored content: topics, questions and their versions, cases, modules, programs, media.

Content is versioned and immutable once used: a QuestionVersion or CaseVersion row is never
updated; a change makes a new row and moves the question's ``current_version``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.banks.schema import (
    QUESTION_ADAPTER,
    Difficulty,
    Mode,
    QuestionBase,
    QuestionType,
    ReviewPolicy,
    Status,
    Use,
)
from app.extensions import Base, UTCDateTime


def _enum(cls: type, name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


STATUS = _enum(Status, "content_status")
USE = _enum(Use, "item_use")


class TypeIdColumn(sa.types.TypeDecorator):
    """A question type's identifier: any registered type (checked by the content models, not
    by the database, so that adding a type needs no migration)."""

    impl = sa.String(30)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> QuestionType | None:
        return None if value is None else QuestionType(value)


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")


class Media(Base):
    """An image used by a question, stored by content hash (app servers share nothing)."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(50))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    original_name: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    # In pixels (the studio's image library lists them); None when they cannot be told.
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id"), index=True)
    status: Mapped[Status] = mapped_column(STATUS, default=Status.DRAFT)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    topic: Mapped[Topic] = relationship()
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    __table_args__ = (sa.Index("ix_questions_draw", "topic_id", "status", "case_id"),)


class QuestionVersion(Base):
    """One immutable version of a question's content (the pydantic model's fields as JSON)."""

    __tablename__ = "question_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    version_no: Mapped[int] = mapped_column(sa.Integer)
    type: Mapped[QuestionType] = mapped_column(TypeIdColumn())
    difficulty: Mapped[Difficulty] = mapped_column(_enum(Difficulty, "difficulty"))
    # Practice or exam (the content's ``use``, here for the draws' queries); a case's steps
    # hold the case's use.
    use: Mapped[Use] = mapped_column(USE, default=Use.EXAM, server_default=Use.EXAM.value)
    objective: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    media_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("media.sha256"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    question: Mapped[Question] = relationship(foreign_keys=[question_id])

    __table_args__ = (sa.UniqueConstraint("question_id", "version_no"),)

    def as_question(self) -> QuestionBase:
        """The validated pydantic model of this version (content holds the key too)."""
        return QUESTION_ADAPTER.validate_python(self.content)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id"), index=True)
    status: Mapped[Status] = mapped_column(STATUS, default=Status.DRAFT)
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case_versions.id", use_alter=True, name="fk_cases_current_version")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    topic: Mapped[Topic] = relationship()
    current_version: Mapped[CaseVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class CaseVersion(Base):
    """A case's vignette and ordered steps; each step points at a QuestionVersion."""

    __tablename__ = "case_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    version_no: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(200))
    vignette: Mapped[str] = mapped_column(sa.Text)
    difficulty: Mapped[Difficulty] = mapped_column(_enum(Difficulty, "difficulty"))
    use: Mapped[Use] = mapped_column(USE, default=Use.EXAM, server_default=Use.EXAM.value)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # For reviewers only (issue 14): shown in the studio, never to a trainee.
    reviewer_notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    steps: Mapped[list[CaseStep]] = relationship(
        order_by="CaseStep.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("case_id", "version_no"),)


class CaseStep(Base):
    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    disclosure: Mapped[str] = mapped_column(sa.Text, default="")
    reviewer_notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="RESTRICT")
    )

    question_version: Mapped[QuestionVersion] = relationship()

    __table_args__ = (sa.UniqueConstraint("case_version_id", "position"),)


class Module(Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    mode: Mapped[Mode] = mapped_column(_enum(Mode, "module_mode"))
    objectives: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    blueprint: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    case_draws: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    pass_mark: Mapped[float] = mapped_column(sa.Float, default=70.0)
    time_limit_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    attempt_limit: Mapped[int | None] = mapped_column(sa.Integer)
    cooldown_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    prerequisites: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    review_policy: Mapped[ReviewPolicy] = mapped_column(_enum(ReviewPolicy, "review_policy"))
    ce_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # BCP 47 tag of the language its questions are written in (the bank declares it).
    language: Mapped[str] = mapped_column(sa.String(35), default="en", server_default="en")
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    @property
    def length(self) -> int:
        return sum(r["count"] for r in self.blueprint) + sum(c["count"] for c in self.case_draws)


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    module_slugs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    final_exam_slug: Mapped[str | None] = mapped_column(sa.String(80))
    validity_months: Mapped[int] = mapped_column(sa.Integer)
    ce_hours: Mapped[float] = mapped_column(sa.Float)
    requires_review: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    renewal_module_slug: Mapped[str | None] = mapped_column(sa.String(80))
    # Issue 16: verified CPD hours (hours ledger entries after the certificate's issue) that a
    # renewal needs besides the renewal module; 0: none.
    renewal_cpd_hours: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    serial_prefix: Mapped[str] = mapped_column(sa.String(6), default="DNA")
    # Issue 15 (app/requirements): hours, logbook and practical requirements as checked specs;
    # the experience a logbook supervisor needs; the body regions of the credential's scope.
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    supervisor_min_months: Mapped[int] = mapped_column(sa.Integer, default=12)
    supervisor_min_sessions: Mapped[int] = mapped_column(sa.Integer, default=25)
    scope_regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
