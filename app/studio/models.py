"""The studio's workflow state: revisions under review, review comments, standard setting.

A ``Revision`` is one proposed version of authored content (a question, a case scenario, …)
moving through draft → in_review → published (or discarded). The content's ``current_version``
(the one drawn) only moves when a revision is published, so editing published content never
changes what trainees draw until the new version is approved. At most one open (draft or in
review) revision per piece of content.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

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
    """One proposed version of an authored piece of content (see ``app.studio.authoring``).

    ``kind`` names the authored kind (``question``, ``case``, …); ``content_id`` is the row the
    content lives in (a ``Question``, a ``Case``), ``version_id`` the version this revision
    proposes and ``base_version_id`` the published version it revises (None for new content).
    The kind decides which tables these point at, so they are not foreign keys: the workflow
    removes revisions itself before it deletes content or a draft version.

    Each kind maps a subclass (single-table inheritance): loading a revision gives the kind's
    class, with ``content`` and ``version`` related to the kind's own tables.
    """

    __tablename__ = "studio_authored_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    content_id: Mapped[int] = mapped_column()
    version_id: Mapped[int] = mapped_column()
    base_version_id: Mapped[int | None] = mapped_column()
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[RevisionState] = mapped_column(
        _enum(RevisionState, "revision_state"), default=RevisionState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    comments: Mapped[list[ReviewComment]] = relationship(
        order_by="ReviewComment.id", cascade="all, delete-orphan", back_populates="revision"
    )

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_abstract": True}
    __table_args__ = (
        sa.UniqueConstraint("kind", "version_id"),
        sa.Index("ix_studio_authored_revisions_content", "kind", "content_id"),
        sa.Index(
            "uq_studio_authored_revisions_one_open",
            "kind",
            "content_id",
            unique=True,
            postgresql_where=sa.text("state IN ('draft', 'in_review')"),
            sqlite_where=sa.text("state IN ('draft', 'in_review')"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReviewComment(Base):
    __tablename__ = "studio_authored_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studio_authored_revisions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # approve | request_changes
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    revision: Mapped[Revision] = relationship(back_populates="comments")


def _to(target: str, column: str) -> Any:
    """A many-to-one from a revision's plain id column to ``target`` (no foreign key)."""
    return relationship(primaryjoin=f"foreign(Revision.{column}) == {target}.id")


class QuestionRevision(Revision):
    """A revision of a standalone question (kind ``question``)."""

    __mapper_args__ = {"polymorphic_identity": "question"}

    content: Mapped[Question] = _to("Question", "content_id")
    version: Mapped[QuestionVersion] = _to("QuestionVersion", "version_id")
    question: Mapped[Question] = synonym("content")
    question_id: Mapped[int] = synonym("content_id")


class CaseRevision(Revision):
    """A revision of a case scenario, vignette and steps reviewed as a whole (kind ``case``)."""

    __mapper_args__ = {"polymorphic_identity": "case"}

    content: Mapped[Case] = _to("Case", "content_id")
    version: Mapped[CaseVersion] = _to("CaseVersion", "version_id")
    case: Mapped[Case] = synonym("content")
    case_id: Mapped[int] = synonym("content_id")


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
    """A pass mark set from a standard-setting exercise before issue 12 (kept as history).
    Standard setting now proposes a rule change (``app.rules``) an administrator applies."""

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


class StudioUpload(Base):
    """A trial upload of the studio's bank import, waiting for its confirmation.

    Kept in the database (not a file of the server that received it), so the confirmation may
    reach any app server. Bound to its uploader; deleted when confirmed, at once when it cannot
    be imported, and by the sweep at each upload once older than ``UPLOAD_MAX_AGE``
    (``app/studio/imports.py``).
    """

    __tablename__ = "studio_uploads"

    token: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    fmt: Mapped[str] = mapped_column(sa.String(20))
    topic: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(100))  # the uploader's file name, as shown
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow, index=True)
