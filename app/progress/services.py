"""Writes for progress: mastery tallies and FSRS cards after grading; practice answers.

``record_graded_attempt`` is registered in ``app.quiz.services.after_grading`` and runs inside
the submit transaction. Every function takes the session (and the acting user where there is
one), flushes and never commits.

The FSRS rule for attempts: **one review per learning objective per attempt**, rated ``Again``
if ANY of that objective's items in the attempt was not fully right (partial credit counts as
wrong), ``Good`` only if all were right. Why: the card models the trainee's memory of the
objective, not of single questions, and all the items of an attempt are answered at one moment
(the attempt's submission time). Reviewing the card once per item would feed FSRS several
reviews at the same instant, which only exercises its same-day (learning) steps and lets the
count of items per objective, a property of the draw, decide the interval. One wrong item is
evidence that the objective is not yet retained, so the whole objective comes back soon; the
mastery tallies, by contrast, count every item with its share of credit. A practice answer is
one item, so it is one review.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.banks import models as bm
from app.banks.schema import QuestionBase, Use
from app.errors import NotFound, ValidationFailed
from app.i18n import lazy_gettext as _l
from app.progress import mastery, practice, scheduler
from app.progress.models import (
    ObjectiveMastery,
    PracticeAnswer,
    ReviewCard,
    ReviewLog,
    TopicMastery,
)
from app.progress.practice import PracticeResult
from app.quiz import scoring
from app.quiz.display import to_canonical
from app.quiz.models import Attempt, AttemptItem

M = TypeVar("M", TopicMastery, ObjectiveMastery, ReviewCard)


class PracticeItemInvalid(ValidationFailed):
    code = "invalid_practice_item"
    message = _l("This practice item is not valid; load a new one.")


class PracticeQuestionGone(NotFound):
    code = "practice_item_not_found"
    message = _l("This practice question no longer exists.")


# ---------------------------------------------------------------- shared helpers


def _rows_for_update(
    session: Session, model: type[M], user_id: int, column: str, keys: set[Any], make: Any
) -> dict[Any, M]:
    """The user's rows of ``model`` keyed by ``column``, creating missing ones.

    Existing rows are locked (FOR UPDATE on PostgreSQL) so concurrent grading of two attempts
    of one trainee cannot lose an increment; a concurrent insert of the same row is resolved
    by re-reading the winner's.
    """
    if not keys:
        return {}
    stmt = _rows_query(model, column, session.get_bind().dialect.name == "postgresql")

    def load() -> dict[Any, M]:
        found = session.scalars(stmt, {"user_id": user_id, "keys": list(keys)})
        return {getattr(r, column): r for r in found}

    rows = load()
    missing = keys - rows.keys()
    if missing:
        try:
            with session.begin_nested():
                for key in missing:
                    session.add(make(key))
                session.flush()
        except IntegrityError:
            pass
        rows = load()
    return rows


@functools.cache
def _rows_query(model: type[Any], column: str, lock: bool) -> sa.Select:
    """``_rows_for_update``'s read, built once per model (locked on PostgreSQL)."""
    stmt = sa.select(model).where(
        model.user_id == sa.bindparam("user_id"),
        getattr(model, column).in_(sa.bindparam("keys", expanding=True)),
    )
    return stmt.with_for_update() if lock else stmt


def _apply_tally(row: TopicMastery | ObjectiveMastery, credits: list[float], at: datetime) -> None:
    tally = mastery.add_all(
        mastery.Tally(
            row.weighted_correct or 0.0,
            row.weighted_total or 0.0,
            row.answered or 0,
            row.correct or 0.0,
        ),
        credits,
    )
    row.weighted_correct = tally.weighted_correct
    row.weighted_total = tally.weighted_total
    row.answered = tally.answered
    row.correct = tally.correct
    row.last_answered_at = at


def _review(
    session: Session,
    card_row: ReviewCard,
    correct: bool,
    at: datetime,
    source: str,
    attempt_id: int | None = None,
) -> None:
    card = (
        scheduler.load(card_row.card)
        if card_row.card
        else scheduler.new_card(card_row.id, card_row.created_at)
    )
    before = card
    rating = scheduler.rating_for(correct)
    card, log = scheduler.review(card, correct, at)
    card_row.card = dict(card.to_dict())
    card_row.state = int(card.state)
    card_row.due = card.due
    card_row.stability = card.stability
    card_row.difficulty = card.difficulty
    card_row.last_review = card.last_review
    card_row.reviews = (card_row.reviews or 0) + 1
    if scheduler.is_lapse(before, rating):
        card_row.lapses = (card_row.lapses or 0) + 1
    session.add(
        ReviewLog(
            card_id=card_row.id,
            rating=int(rating),
            reviewed_at=log.review_datetime,
            review_duration=log.review_duration,
            source=source,
            attempt_id=attempt_id,
        )
    )


def _blank_card(user_id: int, objective: str, now: datetime) -> ReviewCard:
    return ReviewCard(
        user_id=user_id,
        objective=objective,
        card={},
        state=int(scheduler.State.Learning),
        due=now,
        reviews=0,
        lapses=0,
        created_at=now,
    )


def _credit(score: float | None, max_score: float) -> float:
    if not max_score:
        return 0.0
    return min(1.0, max(0.0, (score or 0.0) / max_score))


def _is_right(score: float | None, max_score: float) -> bool:
    return math.isclose(score or 0.0, max_score)


# ---------------------------------------------------------------- after grading


def record_graded_attempt(session: Session, attempt: Attempt) -> None:
    """Update the trainee's mastery tallies and FSRS cards from a graded attempt.

    Every item counts toward its topic and objective tally (its share of credit). Each
    objective gets one FSRS review per attempt, at the attempt's submission time: ``Again``
    when ANY of its items in the attempt was not fully right, ``Good`` otherwise (the rule
    and why: see the module docstring and docs/trainee.md).
    Practice-mode attempts and exams both count. Runs in the submit transaction.
    """
    at = attempt.submitted_at or clock.utcnow()
    rows = session.execute(_graded_items_query(), {"attempt_id": attempt.id}).all()
    if not rows:
        return
    by_topic: dict[int, list[float]] = defaultdict(list)
    by_objective: dict[str, list[float]] = defaultdict(list)
    objective_topic: dict[str, int] = {}
    objective_right: dict[str, bool] = {}
    for row in rows:
        credit = _credit(row.score, row.max_score)
        by_topic[row.topic_id].append(credit)
        if row.objective:
            by_objective[row.objective].append(credit)
            objective_topic.setdefault(row.objective, row.topic_id)
            objective_right[row.objective] = objective_right.get(row.objective, True) and _is_right(
                row.score, row.max_score
            )
    user_id = attempt.user_id
    _update_tallies(session, user_id, by_topic, by_objective, objective_topic, at)
    cards = _rows_for_update(
        session,
        ReviewCard,
        user_id,
        "objective",
        set(by_objective),
        lambda o: _blank_card(user_id, o, at),
    )
    for objective in sorted(by_objective):
        _review(session, cards[objective], objective_right[objective], at, "attempt", attempt.id)
    session.flush()


@functools.cache
def _graded_items_query() -> sa.Select:
    """Each item's score with its objective and topic (built once: a statement per submit)."""
    return (
        sa.select(
            AttemptItem.score,
            AttemptItem.max_score,
            bm.QuestionVersion.objective,
            bm.Question.topic_id,
        )
        .join(bm.QuestionVersion, bm.QuestionVersion.id == AttemptItem.question_version_id)
        .join(bm.Question, bm.Question.id == bm.QuestionVersion.question_id)
        .where(AttemptItem.attempt_id == sa.bindparam("attempt_id"))
        .order_by(AttemptItem.position)
    )


def _update_tallies(
    session: Session,
    user_id: int,
    by_topic: dict[int, list[float]],
    by_objective: dict[str, list[float]],
    objective_topic: dict[str, int],
    at: datetime,
) -> None:
    topics = _rows_for_update(
        session,
        TopicMastery,
        user_id,
        "topic_id",
        set(by_topic),
        lambda t: TopicMastery(user_id=user_id, topic_id=t),
    )
    for topic_id, credits in by_topic.items():
        _apply_tally(topics[topic_id], credits, at)
    objectives = _rows_for_update(
        session,
        ObjectiveMastery,
        user_id,
        "objective",
        set(by_objective),
        lambda o: ObjectiveMastery(user_id=user_id, objective=o, topic_id=objective_topic[o]),
    )
    for objective, credits in by_objective.items():
        _apply_tally(objectives[objective], credits, at)


# ---------------------------------------------------------------- practice answers


def served_item(
    session: Session, user: User, token: Any, *, secret: str
) -> tuple[practice.ServedItem, bm.QuestionVersion, QuestionBase]:
    """The item a practice token names, if it was served to ``user`` (PracticeItemInvalid)."""
    try:
        served = practice.read(secret, token, user.id, clock.utcnow())
    except practice.ItemTokenInvalid as exc:
        raise PracticeItemInvalid(str(exc)) from None
    version = session.scalar(
        sa.select(bm.QuestionVersion).where(bm.QuestionVersion.id == served.version_id)
    )
    if version is None or version.use != Use.PRACTICE:
        # An exam item is never checked in practice, even with a token for it.
        raise PracticeQuestionGone()
    return served, version, version.as_question()


def serve(user: User, version_id: int, objective: str, *, secret: str) -> tuple[str, str]:
    """(token, nonce) for serving a question of ``objective`` to ``user``; changes nothing."""
    served = practice.ServedItem(
        user_id=user.id,
        version_id=version_id,
        objective=objective,
        nonce=practice.new_nonce(),
        issued_at=clock.utcnow(),
    )
    return practice.sign(secret, served), served.nonce


def answer_practice(
    session: Session, user: User, token: Any, response: Any, *, secret: str
) -> PracticeResult:
    """Score a practice answer, review the objective's card and update mastery.

    ``token`` is the served item (``practice.sign``); ``response`` uses the item's opaque ids.
    Refuses: PracticeItemInvalid (token not ours, not this trainee's, or expired),
    ResponseRejected (malformed response, naming the field), PracticeQuestionGone.
    Answering the same served item again returns the first result and changes nothing.
    """
    now = clock.utcnow()
    served, version, question = served_item(session, user, token, secret=secret)
    display = practice.display_for(question, secret, served.nonce)
    replayed = _replayed_practice(session, user, served.nonce, version, question, display)
    if replayed is not None:
        return replayed
    canonical = to_canonical(question, display, response)
    result = scoring.score(question, canonical)
    topic_id = session.scalar(
        sa.select(bm.Question.topic_id).where(bm.Question.id == version.question_id)
    )
    objective = served.objective
    card = _locked_card(session, user, objective, now)
    is_new = (card.reviews or 0) == 0
    answer = PracticeAnswer(
        user_id=user.id,
        question_version_id=version.id,
        question_id=version.question_id,
        objective=objective,
        nonce=served.nonce,
        response=canonical,
        score=result.score,
        max_score=result.max_score,
        is_new=is_new,
        answered_at=now,
    )
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except IntegrityError:
        # A concurrent request answered this served item first: return theirs.
        session.expire_all()
        return answer_practice(session, user, token, response, secret=secret)
    _review(session, card, result.is_correct, now, "practice")
    credit = _credit(result.score, result.max_score)
    if topic_id is not None:
        _update_tallies(
            session,
            user.id,
            {topic_id: [credit]},
            {objective: [credit]},
            {objective: topic_id},
            now,
        )
    session.flush()
    return PracticeResult(answer, version, question, display, card, replayed=False)


def _locked_card(session: Session, user: User, objective: str, now: datetime) -> ReviewCard:
    """The trainee's review card of ``objective``, locked for update (created blank if new)."""
    cards = _rows_for_update(
        session,
        ReviewCard,
        user.id,
        "objective",
        {objective},
        lambda o: _blank_card(user.id, o, now),
    )
    return cards[objective]


def _replayed_practice(
    session: Session,
    user: User,
    nonce: str,
    version: bm.QuestionVersion,
    question: QuestionBase,
    display: dict[str, Any],
) -> PracticeResult | None:
    """The first result of a served item answered before (with its card), else None."""
    previous = session.scalar(
        sa.select(PracticeAnswer).where(
            PracticeAnswer.user_id == user.id, PracticeAnswer.nonce == nonce
        )
    )
    if previous is None:
        return None
    card = session.scalar(
        sa.select(ReviewCard).where(
            ReviewCard.user_id == user.id, ReviewCard.objective == previous.objective
        )
    )
    assert card is not None
    return PracticeResult(previous, version, question, display, card, replayed=True)


def register_hooks() -> None:
    """Feed mastery and FSRS from every graded attempt (idempotent across create_app calls)."""
    from app.quiz.services import after_grading

    if record_graded_attempt not in after_grading:
        after_grading.append(record_graded_attempt)
