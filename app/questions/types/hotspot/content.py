"""Hotspot: the bank model (an image and polygon regions) and the shuffled region list."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import Key, NonEmpty, QuestionBase, Strict, unique_ids
from app.questions.facets import ContentFacet, Opaque

TYPE = "hotspot"


class HotspotRegion(Strict):
    id: Key
    label: NonEmpty
    points: list[tuple[float, float]] = Field(min_length=3)
    correct: bool = False
    feedback: str = ""

    @field_validator("points")
    @classmethod
    def _unit_square(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for x, y in points:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError(_("polygon points are fractions of the image: 0 <= x, y <= 1"))
        return points


class Hotspot(QuestionBase):
    """Click a region of an image; the path is relative to the bank file."""

    type: Literal["hotspot"]
    image: NonEmpty
    image_alt: NonEmpty
    regions: list[HotspotRegion] = Field(min_length=1)

    @model_validator(mode="after")
    def _some_correct(self) -> Hotspot:
        unique_ids(self.regions, "regions")
        if not any(r.correct for r in self.regions):
            raise ValueError(_("regions: a hotspot question needs a correct region"))
        if self.image.startswith("/") or ".." in self.image.split("/"):
            raise ValueError(_("image: give a path relative to the bank file, inside the banks"))
        return self


def display(question: Hotspot, rng: random.Random, opaque: Opaque) -> dict[str, Any]:
    """The regions' labels, shuffled: the keyboard alternative to clicking the image."""
    regions = [r.id for r in question.regions]
    rng.shuffle(regions)
    return {"regions": [[opaque("r", r), r] for r in regions]}


registry.register(
    TYPE,
    content=ContentFacet(
        model=Hotspot, label="hotspot", order=70, display=display, image=lambda q: q.image
    ),
)
