"""Multiple response: the bank model; options are shown like single choice's."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ChoiceOption, QuestionBase, unique_ids
from app.questions.choices import option_display
from app.questions.facets import ContentFacet

TYPE = "multiple_response"


class MultipleResponse(QuestionBase):
    type: Literal["multiple_response"]
    options: list[ChoiceOption] = Field(min_length=2)
    shuffle: bool = True

    @model_validator(mode="after")
    def _some_correct(self) -> MultipleResponse:
        unique_ids(self.options, "options")
        if not any(o.correct for o in self.options):
            raise ValueError(_("options: a multiple-response question needs a correct option"))
        return self


registry.register(
    TYPE,
    content=ContentFacet(
        model=MultipleResponse,
        label="multiple response",
        order=20,
        display=option_display,
        choices=lambda q: q.options,
    ),
)
