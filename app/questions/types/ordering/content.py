"""Ordering: the bank model (items in the correct order) and the shuffled items."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field, field_validator

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import NonEmpty, QuestionBase
from app.questions.facets import ContentFacet, Opaque

TYPE = "ordering"


class Ordering(QuestionBase):
    """Items listed in the correct order; the engine shows them shuffled."""

    type: Literal["ordering"]
    items: list[NonEmpty] = Field(min_length=2)

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[str]) -> list[str]:
        if len(set(items)) != len(items):
            raise ValueError(_("each item must be different"))
        return items

    def item_ids(self) -> list[str]:
        return [f"i{i + 1}" for i in range(len(self.items))]


def display(question: Ordering, rng: random.Random, opaque: Opaque) -> dict[str, Any]:
    """The items shuffled, never in the correct order (that would give the key away)."""
    ids = question.item_ids()
    while len(ids) > 1 and ids == question.item_ids():
        rng.shuffle(ids)
    return {"options": [[opaque("o", i), i] for i in ids]}


registry.register(
    TYPE, content=ContentFacet(model=Ordering, label="ordering", order=50, display=display)
)
