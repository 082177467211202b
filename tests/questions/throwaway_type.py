"""A question type that exists only in the test suite: "pick the number" (``throwaway``).

Everything a type declares is here, in one module, the way ``app/questions/types/<id>/``
spreads it over ``content.py``, ``quiz.py`` and ``studio.py``: the bank model, the shuffled
numbers with opaque ids, the form and API conversions, validation, scoring, the key, the
trainee's views, the studio form's fields and their conversion, and the template partials
(served to Jinja from ``TEMPLATES`` by the test's loader instead of
``app/templates/questions/throwaway/``). ``install()`` registers it, ``uninstall()`` removes it.
"""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field, model_validator
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Optional

from app.questions import registry
from app.questions.base import (
    QuestionBase,
    ResponseInvalid,
    form_one,
    lookup,
    real_id,
    require,
    reverse,
)
from app.questions.facets import ContentFacet, Opaque, QuizFacet
from app.questions.studio_facet import StudioFacet, lines

TYPE = "throwaway"


class PickNumber(QuestionBase):
    """Pick the right number among a few."""

    type: Literal["throwaway"]
    numbers: list[int] = Field(min_length=2)
    answer: int

    @model_validator(mode="after")
    def _answer_listed(self) -> PickNumber:
        if self.answer not in self.numbers:
            raise ValueError("answer: must be one of the numbers")
        return self


def display(q: PickNumber, rng: random.Random, opaque: Opaque) -> dict[str, Any]:
    shown = [str(n) for n in q.numbers]
    rng.shuffle(shown)
    return {"numbers": [[opaque("n", n), n] for n in shown]}


def validate(q: PickNumber, r: Any) -> dict[str, Any]:
    pick = require(r, "pick")
    if isinstance(pick, bool) or not isinstance(pick, int) or pick not in q.numbers:
        raise ResponseInvalid("response.pick", "not a number of this question")
    return {"pick": pick}


def score(q: PickNumber, r: dict[str, Any]) -> float:
    return 1.0 if r["pick"] == q.answer else 0.0


def key(q: PickNumber) -> dict[str, Any]:
    return {"pick": q.answer}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    pick = form_one(form, "pick")
    return {"pick": pick} if pick else None


def to_canonical(q: PickNumber, shown: Any, r: Any) -> Any:
    if "pick" in r:
        return {**r, "pick": int(real_id(r["pick"], lookup(shown, "numbers"), "response.pick"))}
    return r


def to_display(q: PickNumber, shown: Any, r: dict[str, Any]) -> dict[str, Any]:
    return {"pick": reverse(shown, "numbers").get(str(r["pick"]))}


def item_view(q: PickNumber, shown: Any, media_url: str | None = None) -> dict[str, Any]:
    return {"numbers": [{"id": opaque, "label": real} for opaque, real in shown["numbers"]]}


def feedback_view(q: PickNumber, shown: Any, response: Any) -> dict[str, Any]:
    return {"key_text": str(q.answer)}


def studio_fields() -> dict[str, Any]:
    return {
        "numbers": TextAreaField("Numbers (one per line)"),
        "pick_answer": IntegerField("The right number", validators=[Optional()]),
    }


def studio_to_data(form: Any) -> dict[str, Any]:
    numbers: list[Any] = [
        int(n) if n.lstrip("-").isdigit() else n for n in lines(form.numbers.data)
    ]
    return {"numbers": numbers, "answer": form.pick_answer.data}


def studio_fill(form: Any, data: Any) -> None:
    form.numbers.data = "\n".join(str(n) for n in data.get("numbers", []))
    form.pick_answer.data = data.get("answer")


TEMPLATES = {
    "questions/throwaway/answer.html": (
        '<fieldset class="choices"><legend>Pick the number</legend>'
        "{% for n in view.numbers %}"
        '<input type="radio" name="pick" id="{{ prefix }}-n{{ loop.index }}" value="{{ n.id }}"'
        '{% if r.get("pick") == n.id %} checked{% endif %}{{ dis }}>'
        '<label for="{{ prefix }}-n{{ loop.index }}">{{ n.label }}</label>'
        "{% endfor %}</fieldset>"
    ),
    "questions/throwaway/feedback.html": (
        '<p class="key-text">Correct answer: '
        '<span class="throwaway-key">{{ fb.key_text }}</span></p>'
    ),
    "questions/throwaway/preview.html": (
        "<ul>{% for n in view.numbers %}<li>{{ n.label }}</li>{% endfor %}</ul>"
    ),
    "questions/throwaway/studio_fields.html": (
        '{% from "_forms.html" import field %}'
        "{% macro studio_fields(qf, action_prefix='', standalone=True) %}"
        "{{ field(qf.numbers) }}{{ field(qf.pick_answer) }}"
        "{% endmacro %}"
    ),
}


def install() -> None:
    registry.load()  # the real types first, so that unregistering leaves them alone
    registry.register(
        TYPE, content=ContentFacet(model=PickNumber, label="pick the number", display=display)
    )
    registry.register(
        TYPE,
        quiz=QuizFacet(
            validate=validate,
            score=score,
            key=key,
            parse_form=parse_form,
            to_canonical=to_canonical,
            to_display=to_display,
            item_view=item_view,
            feedback_view=feedback_view,
        ),
    )
    registry.register(
        TYPE,
        studio=StudioFacet(
            fields=studio_fields,
            to_data=studio_to_data,
            fill=studio_fill,
            template="questions/throwaway/studio_fields.html",
            error_fields={"answer": "pick_answer"},
        ),
    )


def uninstall() -> None:
    registry.unregister(TYPE)
