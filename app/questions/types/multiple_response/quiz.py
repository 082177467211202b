"""Multiple response in the quiz: a checkbox per option; (right - wrong) / correct, floored at 0."""

from __future__ import annotations

from math import comb
from typing import Any

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ResponseInvalid, form_many, id_list_converters, require
from app.questions.choices import FEEDBACK_TEMPLATE, option_feedback, option_view
from app.questions.facets import QuizFacet
from app.questions.schemas import choices
from app.questions.types.multiple_response.content import TYPE, MultipleResponse


def validate(q: MultipleResponse, r: Any) -> dict[str, Any]:
    choices = require(r, "choices")
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise ResponseInvalid("response.choices", _("must be a list of option ids"))
    if len(set(choices)) != len(choices):
        raise ResponseInvalid("response.choices", _("an option is chosen twice"))
    if not set(choices) <= {o.id for o in q.options}:
        raise ResponseInvalid("response.choices", _("not an option of this question"))
    return {"choices": sorted(choices)}


def score(q: MultipleResponse, r: dict[str, Any]) -> float:
    correct = {o.id for o in q.options if o.correct}
    chosen = set(r["choices"])
    right, wrong = len(chosen & correct), len(chosen - correct)
    return max(0.0, (right - wrong) / len(correct))


def key(q: MultipleResponse) -> dict[str, Any]:
    return {"choices": sorted(o.id for o in q.options if o.correct)}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    choices = form_many(form, "choices")
    return {"choices": choices} if choices else None


to_canonical, to_display = id_list_converters("choices")


def chance_score(q: MultipleResponse) -> float:
    """A non-empty subset of the options chosen uniformly at random, scored as ``score``
    (right minus wrong over the number of correct options, not below 0)."""
    k = sum(1 for o in q.options if o.correct)
    m = len(q.options) - k
    total = sum(
        comb(k, right) * comb(m, wrong) * max(0.0, (right - wrong) / k)
        for right in range(k + 1)
        for wrong in range(m + 1)
    )
    return total / (2 ** len(q.options) - 1)


registry.register(
    TYPE,
    quiz=QuizFacet(
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        chance_score=chance_score,
        to_canonical=to_canonical,
        to_display=to_display,
        item_view=option_view,
        feedback_view=option_feedback,
        feedback_template=FEEDBACK_TEMPLATE,
        api_fields={"options": choices()},
    ),
)
