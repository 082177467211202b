"""Script concordance in the quiz: a radio ``value`` from -2 to +2; aggregate scoring:
panellists who chose the answer / panellists who chose the modal answer (PSYCHOMETRICS.md §5)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import ResponseInvalid, form_one, require
from app.questions.facets import QuizFacet
from app.questions.schemas import Out
from app.questions.types.script_concordance.content import TYPE, ScriptConcordance
from app.text import markdown_html


class ScalePoint(Out):
    value = fields.Integer(required=True)
    label = fields.String(required=True)


def sct_credits(panel: list[int]) -> list[float]:
    """Credit for answers -2..+2: panellists choosing it / panellists choosing the mode."""
    modal = max(panel)
    return [count / modal for count in panel]


def validate(q: ScriptConcordance, r: Any) -> dict[str, Any]:
    value = require(r, "value")
    if isinstance(value, bool) or not isinstance(value, int) or not -2 <= value <= 2:
        raise ResponseInvalid("response.value", _("must be an integer from -2 to 2"))
    return {"value": value}


def score(q: ScriptConcordance, r: dict[str, Any]) -> float:
    return sct_credits(q.panel.counts)[r["value"] + 2]


def key(q: ScriptConcordance) -> dict[str, Any]:
    counts = q.panel.counts
    return {"value": counts.index(max(counts)) - 2}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    value = form_one(form, "value")
    if value not in {"-2", "-1", "0", "1", "2"}:
        return None
    return {"value": int(value)}


def item_view(q: ScriptConcordance, display: Any, media_url: str | None = None) -> dict[str, Any]:
    return {
        "hypothesis_html": markdown_html(q.hypothesis),
        "new_information_html": markdown_html(q.new_information),
        "scale": [
            {"value": v, "label": label} for v, label in zip(range(-2, 3), q.scale, strict=True)
        ],
    }


def feedback_view(q: ScriptConcordance, display: Any, response: Any) -> dict[str, Any]:
    return {"credits": sct_credits(q.panel.counts), "panel": list(q.panel.counts)}


def chance_score(q: ScriptConcordance) -> float:
    """A point of the five-point scale at random: the mean of the five credits."""
    return sum(sct_credits(q.panel.counts)) / len(q.panel.counts)


registry.register(
    TYPE,
    quiz=QuizFacet(
        styles=("css/questions/script_concordance.css",),
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        chance_score=chance_score,
        item_view=item_view,
        feedback_view=feedback_view,
        api_fields={
            "hypothesis_html": fields.String(),
            "new_information_html": fields.String(),
            "scale": fields.List(fields.Nested(ScalePoint)),
        },
    ),
)
