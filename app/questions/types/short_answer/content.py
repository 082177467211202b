"""Short answer: the bank model (accepted answers as ``*`` patterns)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.questions import registry
from app.questions.base import NonEmpty, QuestionBase
from app.questions.facets import ContentFacet

TYPE = "short_answer"


class ShortAnswer(QuestionBase):
    """Accepted answers as patterns: ``*`` matches any run of characters."""

    type: Literal["short_answer"]
    answers: list[NonEmpty] = Field(min_length=1)
    case_sensitive: bool = False


registry.register(TYPE, content=ContentFacet(model=ShortAnswer, label="short answer", order=80))
