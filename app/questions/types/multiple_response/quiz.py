"""Multiple response in the quiz: a checkbox per option; (right - wrong) / correct, floored at 0."""

from __future__ import annotations

from typing import Any

from app.questions import registry
from app.questions.base import ResponseInvalid, form_many, lookup, real_id, require, reverse
from app.questions.choices import option_feedback, option_view
from app.questions.facets import QuizFacet
from app.questions.schemas import choices
from app.questions.types.multiple_response.content import TYPE, MultipleResponse


def validate(q: MultipleResponse, r: Any) -> dict[str, Any]:
    choices = require(r, "choices")
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise ResponseInvalid("response.choices", "must be a list of option ids")
    if len(set(choices)) != len(choices):
        raise ResponseInvalid("response.choices", "an option is chosen twice")
    if not set(choices) <= {o.id for o in q.options}:
        raise ResponseInvalid("response.choices", "not an option of this question")
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


def to_canonical(q: MultipleResponse, display: Any, r: Any) -> Any:
    if isinstance(r.get("choices"), list):
        options = lookup(display, "options")
        return {**r, "choices": [real_id(c, options, "response.choices") for c in r["choices"]]}
    return r


def to_display(q: MultipleResponse, display: Any, r: dict[str, Any]) -> dict[str, Any]:
    back = reverse(display, "options")
    return {"choices": [back.get(c) for c in r["choices"]]}


registry.register(
    TYPE,
    quiz=QuizFacet(
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        to_canonical=to_canonical,
        to_display=to_display,
        item_view=option_view,
        feedback_view=option_feedback,
        api_fields={"options": choices()},
    ),
)
