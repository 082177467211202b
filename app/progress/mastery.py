"""Mastery: a smoothed, recency-weighted proportion correct. Pure (no Flask, no SQLAlchemy).

The estimate for a topic or learning objective is the posterior mean of a Beta(1, 1) prior
(Laplace's rule of succession) updated with *exponentially decayed* counts:

    mastery = (C + 1) / (N + 2),   C = sum of d^k * score_k,   N = sum of d^k

where ``score_k`` is the share of credit earned on the k-th most recent answer (0..1; partial
credit counts partially) and ``d = DECAY``. With d = 0.9 an answer's weight halves every
~6.6 newer answers, so "recent attempts" dominate without keeping a window of raw answers:
the tally is updated in O(1) per answer (``add``) and stored as a row. With no answers the
estimate is 0.5; one right answer gives 0.67, not 1.0, which keeps a lucky guess from looking
like mastery.

A weak area is one with at least ``MIN_EVIDENCE`` answers whose mastery is below
``WEAK_BELOW``, the lowest first.

``level`` names where an area stands, for the dashboard's colour scale (never red: red is for
real failures, a failed exam): not started (no answers: no bar at all, not the 0.5 prior), in
progress (answers, but fewer than ``MIN_EVIDENCE``), needs work (enough answers, below
``WEAK_BELOW``: a weak area) and mastered (enough answers, at or above it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

DECAY = 0.9
PRIOR_CORRECT = 1.0  # Beta(alpha=1, beta=1): the uniform prior, i.e. Laplace smoothing
PRIOR_WRONG = 1.0
MIN_EVIDENCE = 3
WEAK_BELOW = 0.75
NOT_STARTED, IN_PROGRESS, NEEDS_WORK, MASTERED = (
    "not_started",
    "in_progress",
    "needs_work",
    "mastered",
)


@dataclass(frozen=True)
class Tally:
    """Running counts: decayed (for the estimate) and raw (for the evidence threshold)."""

    weighted_correct: float = 0.0
    weighted_total: float = 0.0
    answered: int = 0
    correct: float = 0.0


def add(tally: Tally, credit: float) -> Tally:
    """The tally after one more answer earning ``credit`` (a share of the item, 0..1)."""
    credit = min(1.0, max(0.0, float(credit)))
    return Tally(
        weighted_correct=DECAY * tally.weighted_correct + credit,
        weighted_total=DECAY * tally.weighted_total + 1.0,
        answered=tally.answered + 1,
        correct=tally.correct + credit,
    )


def add_all(tally: Tally, credits: Iterable[float]) -> Tally:
    for credit in credits:
        tally = add(tally, credit)
    return tally


def smoothed(tally: Tally) -> float:
    """The mastery estimate in [0, 1]."""
    return (tally.weighted_correct + PRIOR_CORRECT) / (
        tally.weighted_total + PRIOR_CORRECT + PRIOR_WRONG
    )


def has_evidence(tally: Tally, minimum: int = MIN_EVIDENCE) -> bool:
    return tally.answered >= minimum


def weak_areas(
    tallies: Iterable[tuple[K, Tally]],
    *,
    limit: int = 3,
    minimum: int = MIN_EVIDENCE,
    below: float = WEAK_BELOW,
) -> list[K]:
    """Keys of the lowest-mastery areas with enough evidence, below the threshold."""
    candidates = [
        (smoothed(t), str(k), k)
        for k, t in tallies
        if has_evidence(t, minimum) and smoothed(t) < below
    ]
    candidates.sort(key=lambda c: (c[0], c[1]))
    return [k for _, _, k in candidates[:limit]]


def level(
    value: float, answered: int, *, minimum: int = MIN_EVIDENCE, below: float = WEAK_BELOW
) -> str:
    """not_started | in_progress | needs_work | mastered (see the module docstring)."""
    if answered <= 0:
        return NOT_STARTED
    if answered < minimum:
        return IN_PROGRESS
    return NEEDS_WORK if value < below else MASTERED
