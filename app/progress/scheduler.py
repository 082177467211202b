"""Spaced repetition with FSRS (py-fsrs 6): one card per trainee and learning objective.

A thin, pure wrapper: the database stores ``Card.to_dict()``; this module turns graded
answers into reviews and ranks due cards. Ratings come from auto-marked items:
wrong → ``Rating.Again``, right → ``Rating.Good`` (never ``Hard`` for a wrong answer: FSRS
counts Hard as a successful recall; PSYCHOMETRICS.md §4.2). After a practice answer the
trainee may rate it themself (again / hard / good / easy, ``SELF_RATINGS``): the review is
then replayed with that rating (``replay``); a wrong answer can only be rated ``Again``.

Fuzzing is off: intervals are exactly what the FSRS model computes, so schedules are
reproducible (and testable); with one card per objective, a trainee has a few dozen cards at
most, so the load-spreading that fuzzing buys a large flashcard deck does not matter here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from fsrs import Card, Rating, ReviewLog, Scheduler, State

K = TypeVar("K")

DESIRED_RETENTION = 0.9


def make_scheduler(desired_retention: float = DESIRED_RETENTION) -> Scheduler:
    """The default FSRS-6 parameters, no fuzzing."""
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


SCHEDULER = make_scheduler()


#: The trainee's own rating after feedback (issue 18), by its form value.
SELF_RATINGS: dict[str, Rating] = {
    "again": Rating.Again,
    "hard": Rating.Hard,
    "good": Rating.Good,
    "easy": Rating.Easy,
}


def rating_for(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def self_rating_allowed(correct: bool, rating: Rating) -> bool:
    """May a trainee rate an answer ``rating``? A right answer: any rating. A wrong (or partly
    right) one: ``Again`` only, since FSRS counts Hard, Good and Easy as a successful recall
    (PSYCHOMETRICS.md §4.2: never map a wrong answer to Hard)."""
    return correct or rating == Rating.Again


def replay(
    card_id: int,
    created_at: datetime,
    logs: list[tuple[Rating, datetime, int | None]],
    scheduler: Scheduler = SCHEDULER,
) -> tuple[Card, Card]:
    """(the card before its last review, the card after all of them), from a new card and its
    reviews in order (rating, time, duration). Used to change the last review's rating."""
    card = new_card(card_id, created_at)
    before = card
    for rating, at, _duration in logs:
        before = card
        card, _ = scheduler.review_card(card, rating, review_datetime=at)
    return before, card


def new_card(card_id: int, now: datetime) -> Card:
    """A card never reviewed, due now (FSRS 6 has no "New" state: it starts in Learning)."""
    return Card(card_id=card_id, due=now)


def load(data: dict[str, Any]) -> Card:
    return Card.from_dict(data)  # type: ignore[arg-type]


def review(
    card: Card, correct: bool, at: datetime, scheduler: Scheduler = SCHEDULER
) -> tuple[Card, ReviewLog]:
    """The card after one review at ``at`` (aware UTC), never earlier than its last review."""
    if card.last_review is not None and at < card.last_review:
        at = card.last_review
    return scheduler.review_card(card, rating_for(correct), review_datetime=at)


def retrievability(card: Card, now: datetime, scheduler: Scheduler = SCHEDULER) -> float:
    """P(recall) now; 0 for a card never reviewed."""
    return scheduler.get_card_retrievability(card, current_datetime=now)


def is_lapse(before: Card, rating: Rating) -> bool:
    return before.state == State.Review and rating == Rating.Again


def due_in_order(
    cards: Iterable[tuple[K, Card]], now: datetime, scheduler: Scheduler = SCHEDULER
) -> list[tuple[K, float]]:
    """Keys of the cards due at ``now``, lowest retrievability first (then earliest due)."""
    due = [
        (retrievability(card, now, scheduler), card.due, str(key), key)
        for key, card in cards
        if card.due <= now
    ]
    due.sort(key=lambda d: (d[0], d[1], d[2]))
    return [(key, r) for r, _, _, key in due]
