"""True or false in the quiz: two radios named ``value``; all or nothing."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ResponseInvalid, form_one, require
from app.questions.facets import AnalysisHooks, QuizFacet
from app.questions.schemas import choices
from app.questions.types.true_false.content import TYPE, TrueFalse
from app.text import markdown_html


def validate(q: TrueFalse, r: Any) -> dict[str, Any]:
    value = require(r, "value")
    if not isinstance(value, bool):
        raise ResponseInvalid("response.value", _("must be true or false"))
    return {"value": value}


def score(q: TrueFalse, r: dict[str, Any]) -> float:
    return 1.0 if r["value"] is q.answer else 0.0


def key(q: TrueFalse) -> dict[str, Any]:
    return {"value": q.answer}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    value = form_one(form, "value")
    if value not in {"true", "false"}:
        return None
    return {"value": value == "true"}


def item_view(q: TrueFalse, display: Any, media_url: str | None = None) -> dict[str, Any]:
    return {"options": [{"id": "true", "html": "True"}, {"id": "false", "html": "False"}]}


def feedback_view(q: TrueFalse, display: Any, response: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"key_text": "True" if q.answer else "False"}
    chosen = (response or {}).get("value")
    text = q.feedback_true if chosen else q.feedback_false
    if chosen is not None and text:
        view["feedback_html"] = markdown_html(text)
    return view


def _analysis_options(content: Any) -> tuple[tuple[str, ...], str | None]:
    return ("true", "false"), "true" if content.get("answer") else "false"


def _analysis_choice(response: Any) -> str | None:
    value = response.get("value")
    return None if not isinstance(value, bool) else ("true" if value else "false")


def chance_score(q: TrueFalse) -> float:
    """True or false at random: right half the time."""
    return 0.5


registry.register(
    TYPE,
    quiz=QuizFacet(
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        chance_score=chance_score,
        item_view=item_view,
        feedback_view=feedback_view,
        analysis=AnalysisHooks(options=_analysis_options, choice=_analysis_choice),
        api_fields={"options": choices()},
    ),
)
