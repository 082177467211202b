"""The studio's workflow state: revisions under review, review comments, standard setting.

A ``Revision`` is one proposed version of a question moving through draft → in_review →
published (or discarded). The question's ``current_version`` (the one drawn) only moves when a
revision is published, so editing a published question never changes what trainees draw until
the new version is approved. At most one open (draft or in review) revision per question.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.banks.models import Case, CaseVersion, Module, Question, QuestionVersion
from app.extensions import Base, UTCDateTime


class RevisionState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    DISCARDED = "discarded"


OPEN_STATES = (RevisionState.DRAFT, RevisionState.IN_REVIEW)


def _enum(cls: type, name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Revision(Base):
    __tablename__ = "studio_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="CASCADE"), unique=True
    )
    base_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="SET NULL")
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[RevisionState] = mapped_column(
        _enum(RevisionState, "revision_state"), default=RevisionState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    question: Mapped[Question] = relationship()
    version: Mapped[QuestionVersion] = relationship(foreign_keys=[version_id])
    comments: Mapped[list[ReviewComment]] = relationship(
        order_by="ReviewComment.id", cascade="all, delete-orphan", back_populates="revision"
    )

    __table_args__ = (
        sa.Index(
            "uq_studio_revisions_one_open",
            "question_id",
            unique=True,
            postgresql_where=sa.text("state IN ('draft', 'in_review')"),
            sqlite_where=sa.text("state IN ('draft', 'in_review')"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReviewComment(Base):
    __tablename__ = "studio_review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studio_revisions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # approve | request_changes | comment
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    revision: Mapped[Revision] = relationship(back_populates="comments")


class CaseRevision(Base):
    """One proposed version of a case scenario (vignette and steps), reviewed as a whole.

    The same workflow as a question's ``Revision``: the case's ``current_version`` (the one
    drawn) moves only when a revision is published; at most one open revision per case.
    """

    __tablename__ = "studio_case_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_versions.id", ondelete="CASCADE"), unique=True
    )
    base_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case_versions.id", ondelete="SET NULL")
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[RevisionState] = mapped_column(
        _enum(RevisionState, "revision_state"), default=RevisionState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    version: Mapped[CaseVersion] = relationship(foreign_keys=[version_id])
    comments: Mapped[list[CaseReviewComment]] = relationship(
        order_by="CaseReviewComment.id", cascade="all, delete-orphan", back_populates="revision"
    )

    __table_args__ = (
        sa.Index(
            "uq_studio_case_revisions_one_open",
            "case_id",
            unique=True,
            postgresql_where=sa.text("state IN ('draft', 'in_review')"),
            sqlite_where=sa.text("state IN ('draft', 'in_review')"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseReviewComment(Base):
    __tablename__ = "studio_case_review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studio_case_revisions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # approve | request_changes
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    revision: Mapped[CaseRevision] = relationship(back_populates="comments")


class StandardSettingJudgement(Base):
    """One judge's Angoff ratings (question key → probability) and Hofstee limits for a module."""

    __tablename__ = "studio_judgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    ratings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    hofstee: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (sa.UniqueConstraint("module_id", "judge_id"),)


class PassMarkDecision(Base):
    """A recorded decision setting a module's pass mark from a standard-setting exercise."""

    __tablename__ = "studio_pass_mark_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    decided_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    method: Mapped[str] = mapped_column(sa.String(40))
    values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    pass_mark_before: Mapped[float] = mapped_column(sa.Float)
    pass_mark_after: Mapped[float] = mapped_column(sa.Float)

    module: Mapped[Module] = relationship()
