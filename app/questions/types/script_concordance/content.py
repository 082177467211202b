"""Script concordance: the bank model (the scale and the expert panel's counts)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from app.questions import registry
from app.questions.base import NonEmpty, QuestionBase
from app.questions.facets import ContentFacet

TYPE = "script_concordance"


class ScriptConcordance(QuestionBase):
    """If you were thinking of <hypothesis> and then found <new_information>..."""

    type: Literal["script_concordance"]
    hypothesis: NonEmpty
    new_information: NonEmpty
    scale: list[NonEmpty] = Field(
        default_factory=lambda: [
            "much less likely / appropriate",
            "less likely / appropriate",
            "neither more nor less",
            "more likely / appropriate",
            "much more likely / appropriate",
        ],
        min_length=5,
        max_length=5,
    )
    panel: list[int] = Field(min_length=5, max_length=5)  # counts for -2, -1, 0, +1, +2

    @field_validator("panel")
    @classmethod
    def _counts(cls, panel: list[int]) -> list[int]:
        if any(c < 0 for c in panel) or sum(panel) == 0:
            raise ValueError("panel: five non-negative counts (for -2..+2), not all zero")
        return panel


registry.register(
    TYPE, content=ContentFacet(model=ScriptConcordance, label="script concordance", order=90)
)
