"""Numeric: the bank model (nothing to shuffle)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.questions import registry
from app.questions.base import QuestionBase
from app.questions.facets import ContentFacet

TYPE = "numeric"


class Numeric(QuestionBase):
    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(default=0.0, ge=0)
    unit: str = Field(default="", max_length=30, pattern=r"^[^\r\n]*$")  # one line: "mm", "%"


registry.register(TYPE, content=ContentFacet(model=Numeric, label="numeric", order=60))
