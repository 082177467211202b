"""The trainee's own rating of a practice answer, after its feedback (issue 18).

Checking a practice answer reviews the objective's FSRS card at once with the automatic rating
(wrong → Again, right → Good: ``app.progress.scheduler``). The feedback page then offers an
optional self-rating (again / hard / good / easy). Choosing one changes that review's rating and
replays the card's reviews, so the schedule is what it would have been had the trainee's rating
been given at the time. Only the card's latest review can be re-rated (a later review already
built on it), only by the trainee who answered, and a wrong answer only as ``Again`` (FSRS
counts Hard, Good and Easy as a successful recall). Without a self-rating nothing changes.
Flushes, never commits.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.progress import practice, scheduler
from app.progress.models import PracticeAnswer, ReviewCard, ReviewLog


class SelfRatingRefused(ValidationFailed):
    code = "self_rating_refused"
    message = _l(
        "This answer can no longer be rated: a later review of its objective came after it."
    )


class SelfRatingInvalid(ValidationFailed):
    code = "self_rating_invalid"
    message = _l("Choose again, hard, good or easy.")


class SelfRatingNotAllowed(ValidationFailed):
    code = "self_rating_not_allowed"
    message = _l(
        "A wrong answer is always rated “again”: FSRS counts hard, good and easy as recalled."
    )


def rate(session: Session, user: User, token: Any, rating: Any, *, secret: str) -> ReviewCard:
    """Re-rate the review of the practice answer that ``token`` (the served item) produced."""
    if not isinstance(rating, str) or rating not in scheduler.SELF_RATINGS:
        raise SelfRatingInvalid()
    chosen = scheduler.SELF_RATINGS[rating]
    try:
        served = practice.read(secret, token, user.id, clock.utcnow())
    except practice.ItemTokenInvalid as exc:
        raise SelfRatingRefused(str(exc)) from None
    answer = session.scalar(
        sa.select(PracticeAnswer).where(
            PracticeAnswer.user_id == user.id, PracticeAnswer.nonce == served.nonce
        )
    )
    if answer is None:
        raise SelfRatingRefused(_("Check the answer before rating it."))
    correct = answer.max_score > 0 and abs((answer.score or 0.0) - answer.max_score) < 1e-9
    if not scheduler.self_rating_allowed(correct, chosen):
        raise SelfRatingNotAllowed()
    card_row = _card(session, user, answer.objective)
    logs = list(
        session.scalars(
            sa.select(ReviewLog)
            .where(ReviewLog.card_id == card_row.id)
            .order_by(ReviewLog.reviewed_at, ReviewLog.id)
        )
    )
    if not logs or logs[-1].source != "practice" or _later_answer(session, answer):
        # The card's latest review is not this answer's: an attempt or a later practice
        # answer reviewed the objective since, and its schedule built on this rating.
        raise SelfRatingRefused()
    _apply(card_row, logs, chosen)
    session.flush()
    return card_row


def _later_answer(session: Session, answer: PracticeAnswer) -> bool:
    """Did the trainee answer a practice item of the same objective after ``answer``?"""
    later = session.scalar(
        sa.select(PracticeAnswer.id)
        .where(
            PracticeAnswer.user_id == answer.user_id,
            PracticeAnswer.objective == answer.objective,
            PracticeAnswer.id != answer.id,
            sa.or_(
                PracticeAnswer.answered_at > answer.answered_at,
                sa.and_(
                    PracticeAnswer.answered_at == answer.answered_at,
                    PracticeAnswer.id > answer.id,
                ),
            ),
        )
        .limit(1)
    )
    return later is not None


def _card(session: Session, user: User, objective: str) -> ReviewCard:
    stmt = sa.select(ReviewCard).where(
        ReviewCard.user_id == user.id, ReviewCard.objective == objective
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    card_row = session.scalar(stmt)
    if card_row is None:
        raise SelfRatingRefused()
    return card_row


def _apply(card_row: ReviewCard, logs: list[ReviewLog], chosen: scheduler.Rating) -> None:
    """Give the last review ``chosen`` and replay every review of the card."""
    old = scheduler.Rating(logs[-1].rating)
    logs[-1].rating = int(chosen)
    before, card = scheduler.replay(
        card_row.id,
        _aware(card_row.created_at),
        [(scheduler.Rating(log.rating), _aware(log.reviewed_at), None) for log in logs],
    )
    lapses = (card_row.lapses or 0) - int(scheduler.is_lapse(before, old))
    card_row.lapses = lapses + int(scheduler.is_lapse(before, chosen))
    card_row.card = dict(card.to_dict())
    card_row.state = int(card.state)
    card_row.due = card.due
    card_row.stability = card.stability
    card_row.difficulty = card.difficulty
    card_row.last_review = card.last_review


def _aware(value: Any) -> Any:
    """A stored time as aware UTC (SQLite gives them back naive)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=clock.utcnow().tzinfo)
    return value
