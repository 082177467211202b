"""Learner progress: FSRS review cards and logs, practice answers, incremental mastery tallies.

Practice answers live in their own table, never in ``attempt_items``: item analysis and the
certification statistics read attempts only, so practice can never move them.
Mastery rows are running tallies updated when an answer is graded (see ``mastery.py``), so a
page view reads one row per topic or objective instead of every answer ever given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import Base, UTCDateTime


class ReviewCard(Base):
    """FSRS memory state of one trainee for one learning objective (``fsrs.Card`` as JSON).

    ``due``, ``stability``, ``difficulty`` and ``last_review`` are copies of the card's fields,
    kept as columns so that due cards can be selected and sorted by the database.
    """

    __tablename__ = "review_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    objective: Mapped[str] = mapped_column(sa.String(80))
    card: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    state: Mapped[int] = mapped_column(sa.Integer)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    stability: Mapped[float | None] = mapped_column(sa.Float)
    difficulty: Mapped[float | None] = mapped_column(sa.Float)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(sa.Integer, default=0)
    lapses: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "objective"),
        sa.Index("ix_review_cards_user_due", "user_id", "due"),
    )


class ReviewLog(Base):
    """One FSRS review (kept in full: the Optimizer and ``reschedule_card`` replay them)."""

    __tablename__ = "review_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(sa.Integer)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_duration: Mapped[int | None] = mapped_column(sa.Integer)  # ms
    source: Mapped[str] = mapped_column(sa.String(20))  # "attempt" or "practice"
    attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attempts.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
        sa.CheckConstraint("source IN ('attempt', 'practice')", name="source_known"),
    )


class PracticeAnswer(Base):
    """An answer given in "practice weak areas": never part of an attempt or its statistics.

    ``nonce`` identifies the served item: answering the same served item twice (a double click,
    a retry, a replay) returns the first result instead of reviewing the card again.
    """

    __tablename__ = "practice_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="RESTRICT"))
    objective: Mapped[str] = mapped_column(sa.String(80))
    nonce: Mapped[str] = mapped_column(sa.String(40))
    response: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    score: Mapped[float] = mapped_column(sa.Float)
    max_score: Mapped[float] = mapped_column(sa.Float)
    is_new: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # first review of the card
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("user_id", "nonce"),
        sa.Index("ix_practice_answers_user_answered", "user_id", "answered_at"),
        sa.Index("ix_practice_answers_user_question", "user_id", "question_id"),
        sa.CheckConstraint("score >= 0 AND score <= max_score", name="score_in_range"),
    )


class _Tally:
    """Columns of a running mastery tally (see ``app.progress.mastery``)."""

    weighted_correct: Mapped[float] = mapped_column(sa.Float, default=0.0)
    weighted_total: Mapped[float] = mapped_column(sa.Float, default=0.0)
    answered: Mapped[int] = mapped_column(sa.Integer, default=0)
    correct: Mapped[float] = mapped_column(sa.Float, default=0.0)
    last_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TopicMastery(_Tally, Base):
    __tablename__ = "topic_mastery"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id", ondelete="CASCADE"))

    __table_args__ = (sa.UniqueConstraint("user_id", "topic_id"),)


class ObjectiveMastery(_Tally, Base):
    __tablename__ = "objective_mastery"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    objective: Mapped[str] = mapped_column(sa.String(80))
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id", ondelete="CASCADE"))

    __table_args__ = (sa.UniqueConstraint("user_id", "objective"),)
