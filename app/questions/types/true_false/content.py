"""True or false: the bank model (nothing to shuffle)."""

from __future__ import annotations

from typing import Literal

from app.questions import registry
from app.questions.base import QuestionBase
from app.questions.facets import ContentFacet

TYPE = "true_false"


class TrueFalse(QuestionBase):
    type: Literal["true_false"]
    answer: bool
    feedback_true: str = ""
    feedback_false: str = ""


registry.register(
    TYPE,
    content=ContentFacet(
        model=TrueFalse, label="true false", order=30, true_key=lambda q: bool(q.answer)
    ),
)
