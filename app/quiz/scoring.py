"""Scoring: dispatches to each question type's quiz facet, over canonical ids (never the
attempt's opaque ids).

Pure: no Flask, no SQLAlchemy. Each question is worth ``MAX_SCORE`` (1.0). Each type's rule is
in its package (``app/questions/types/<id>/quiz.py``) and in docs/scoring.md.

An unanswered question (``None``) scores 0. ``validate_response`` refuses malformed responses
with ``ResponseInvalid(field, message)`` before anything is stored.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.banks.schema import QuestionBase
from app.questions import registry
from app.questions.base import ResponseInvalid
from app.questions.facets import QuizFacet

__all__ = [
    "MAX_SCORE",
    "RULES",
    "ResponseInvalid",
    "Score",
    "attempt_result",
    "key_response",
    "score",
]

MAX_SCORE = 1.0


@dataclass(frozen=True)
class Score:
    score: float
    max_score: float = MAX_SCORE

    @property
    def is_correct(self) -> bool:
        return math.isclose(self.score, self.max_score)


class _Rules(Mapping[str, QuizFacet]):
    """type id -> its quiz facet (``validate``, ``score``, ``key``), for every registered type."""

    def __getitem__(self, type_id: str) -> QuizFacet:
        facet = registry.get(type_id).quiz
        if facet is None:
            raise KeyError(type_id)
        return facet

    def __iter__(self) -> Iterator[str]:
        return iter([registry.QuestionType(s.id) for s in registry.all_types() if s.quiz])

    def __len__(self) -> int:
        return sum(1 for s in registry.all_types() if s.quiz)


RULES: Mapping[str, QuizFacet] = _Rules()


def validate_response(question: QuestionBase, response: Any) -> dict[str, Any]:
    """The response in canonical form, or ``ResponseInvalid`` naming the field."""
    return RULES[question.type].validate(question, response)


def score(question: QuestionBase, response: dict[str, Any] | None) -> Score:
    """The score of a validated response (``None``: unanswered, 0)."""
    if response is None:
        return Score(0.0)
    value = RULES[question.type].score(question, response)
    return Score(min(MAX_SCORE, max(0.0, value)))


def attempt_result(total: float, max_score: float, pass_mark: float) -> tuple[float, float, bool]:
    """An attempt's (score, percent, passed) from the sum of its items' scores: what grading
    stores, and what a regrade recomputes."""
    value = round(min(total, max_score), 6)
    percent = round(100.0 * value / max_score, 2) if max_score else 0.0
    return value, percent, percent >= pass_mark


def key_response(question: QuestionBase) -> dict[str, Any]:
    """A response that earns the full score (shown in review, used by tests)."""
    return RULES[question.type].key(question)


def __getattr__(name: str) -> Any:
    """A type's public scoring helper by name (``point_in_polygon``, ``sct_credits``...),
    found in the types' quiz modules."""
    for spec in registry.all_types():
        if spec.quiz is None or name.startswith("_"):
            continue
        found = getattr(importlib.import_module(spec.quiz.score.__module__), name, None)
        if callable(found):
            return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
