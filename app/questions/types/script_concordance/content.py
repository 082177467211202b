"""Script concordance: the bank model (the scale and the expert panel).

The panel is a mapping ``{counts: [c-2, c-1, c0, c+1, c+2], source: provisional | recorded,
size: n}`` (issue 14): ``counts`` are how many panellists chose each answer, ``source`` says
whether they come from a recorded reference panel or a provisional (authoring) one, ``size`` is
the number of panellists and must equal the sum of the counts (each panellist answers once).
Stored versions written before the mapping hold a bare list of five counts: it still loads, as a
provisional panel of ``sum(counts)`` panellists; the bank loader refuses that form in bank files.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import NonEmpty, QuestionBase, Strict
from app.questions.facets import ContentFacet

TYPE = "script_concordance"


class PanelSource(StrEnum):
    """Where a panel's counts come from: a provisional (authoring) panel may serve practice
    only; a recorded reference panel may serve exams too (``banks lint`` checks it)."""

    PROVISIONAL = "provisional"
    RECORDED = "recorded"


class Panel(Strict):
    counts: list[int] = Field(min_length=5, max_length=5)  # for -2, -1, 0, +1, +2
    source: PanelSource
    size: int = Field(ge=1)

    @field_validator("counts")
    @classmethod
    def _counts(cls, counts: list[int]) -> list[int]:
        if any(c < 0 for c in counts) or sum(counts) == 0:
            raise ValueError(_("five non-negative counts (for -2..+2), not all zero"))
        return counts

    @model_validator(mode="after")
    def _size(self) -> Panel:
        if self.size != sum(self.counts):
            raise ValueError(
                _(
                    "size: %(size)s panellists, but the counts add up to %(total)s "
                    "(each panellist gives one answer)",
                    size=self.size,
                    total=sum(self.counts),
                )
            )
        return self


def panel_from_list(value: Any) -> Any:
    """The mapping form of a stored panel: a bare list of counts becomes a provisional panel
    of ``sum(counts)`` panellists (other values are left for validation to judge)."""
    if isinstance(value, list | tuple):
        counts = list(value)
        size = sum(c for c in counts if isinstance(c, int) and not isinstance(c, bool))
        return {"counts": counts, "source": PanelSource.PROVISIONAL.value, "size": max(size, 1)}
    return value


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
    panel: Panel

    @field_validator("panel", mode="before")
    @classmethod
    def _old_list_form(cls, value: Any) -> Any:
        return panel_from_list(value)


def file_check(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A bank file gives the panel as a mapping: the bare list of counts (which stored
    versions may hold) does not say where the counts come from."""
    if isinstance(raw.get("panel"), list):
        return [
            (
                "panel",
                "write the panel as a mapping: {counts: [c-2, c-1, c0, c+1, c+2], source: "
                "provisional | recorded, size: <number of panellists>}",
            )
        ]
    return []


registry.register(
    TYPE,
    content=ContentFacet(
        model=ScriptConcordance,
        label="script concordance",
        order=90,
        panel=lambda q: q.panel,
        file_check=file_check,
    ),
)
