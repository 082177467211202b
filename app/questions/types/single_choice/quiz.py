"""Single choice in the quiz: a radio per option; all or nothing."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ResponseInvalid, form_one, lookup, real_id, require, reverse
from app.questions.choices import FEEDBACK_TEMPLATE, option_feedback, option_view
from app.questions.facets import AnalysisHooks, QuizFacet
from app.questions.schemas import choices
from app.questions.types.single_choice.content import TYPE, SingleChoice


def validate(q: SingleChoice, r: Any) -> dict[str, Any]:
    choice = require(r, "choice")
    if not isinstance(choice, str) or choice not in {o.id for o in q.options}:
        raise ResponseInvalid("response.choice", _("not an option of this question"))
    return {"choice": choice}


def score(q: SingleChoice, r: dict[str, Any]) -> float:
    return 1.0 if next(o for o in q.options if o.correct).id == r["choice"] else 0.0


def key(q: SingleChoice) -> dict[str, Any]:
    return {"choice": next(o for o in q.options if o.correct).id}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    choice = form_one(form, "choice")
    return {"choice": choice} if choice else None


def to_canonical(q: SingleChoice, display: Any, r: Any) -> Any:
    if "choice" in r:
        return {**r, "choice": real_id(r["choice"], lookup(display, "options"), "response.choice")}
    return r


def to_display(q: SingleChoice, display: Any, r: dict[str, Any]) -> dict[str, Any]:
    return {"choice": reverse(display, "options").get(r["choice"])}


def _analysis_options(content: Any) -> tuple[tuple[str, ...], str | None]:
    options = tuple(o["id"] for o in content.get("options", []))
    correct = next((o["id"] for o in content.get("options", []) if o.get("correct")), None)
    return options, correct


def _analysis_choice(response: Any) -> str | None:
    choice = response.get("choice")
    return choice if isinstance(choice, str) else None


def chance_score(q: SingleChoice) -> float:
    """One option picked at random: right once in as many options."""
    return 1.0 / len(q.options)


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
        analysis=AnalysisHooks(options=_analysis_options, choice=_analysis_choice),
        api_fields={"options": choices()},
    ),
)
