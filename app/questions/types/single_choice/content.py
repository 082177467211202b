"""Single choice: the bank model, and the shuffled options of the trainee's view."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ChoiceOption, QuestionBase, unique_ids
from app.questions.choices import option_display
from app.questions.facets import ContentFacet

TYPE = "single_choice"


class SingleChoice(QuestionBase):
    type: Literal["single_choice"]
    options: list[ChoiceOption] = Field(min_length=2)
    shuffle: bool = True

    @model_validator(mode="after")
    def _one_correct(self) -> SingleChoice:
        unique_ids(self.options, "options")
        if sum(o.correct for o in self.options) != 1:
            raise ValueError(
                _("options: a single-answer question needs exactly one correct option")
            )
        return self


registry.register(
    TYPE,
    content=ContentFacet(
        model=SingleChoice,
        label="single choice",
        order=10,
        display=option_display,
        choices=lambda q: q.options,
        one_key=True,
    ),
)
