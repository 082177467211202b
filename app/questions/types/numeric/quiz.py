"""Numeric in the quiz: a text field ``value`` (a comma is a decimal point); within tolerance."""

from __future__ import annotations

import math
from typing import Any

from marshmallow import fields

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import AnswerInvalid, form_one, number, require
from app.questions.facets import QuizFacet
from app.questions.types.numeric.content import TYPE, Numeric

EPSILON = 1e-9


def validate(q: Numeric, r: Any) -> dict[str, Any]:
    return {"value": number(require(r, "value"), "response.value")}


def score(q: Numeric, r: dict[str, Any]) -> float:
    return 1.0 if abs(r["value"] - q.answer) <= q.tolerance + EPSILON else 0.0


def key(q: Numeric) -> dict[str, Any]:
    return {"value": q.answer}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    raw = form_one(form, "value").replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise AnswerInvalid(_("Enter a number, for example 12.5.")) from None
    if not math.isfinite(value):
        raise AnswerInvalid(_("Enter a number, for example 12.5."))
    return {"value": value}


def item_view(q: Numeric, display: Any, media_url: str | None = None) -> dict[str, Any]:
    return {"unit": q.unit}


def feedback_view(q: Numeric, display: Any, response: Any) -> dict[str, Any]:
    return {
        "key_text": f"{q.answer:g} {q.unit}".strip()
        + (f" (± {q.tolerance:g})" if q.tolerance else "")
    }


registry.register(
    TYPE,
    quiz=QuizFacet(
        styles=("css/questions/numeric.css",),
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        item_view=item_view,
        feedback_view=feedback_view,
        api_fields={"unit": fields.String()},
    ),
)
