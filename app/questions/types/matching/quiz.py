"""Matching in the quiz: a select per premise (``pair-<premise>``); the share matched right."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.base import ResponseInvalid, form_one, lookup, real_id, require, reverse
from app.questions.facets import QuizFacet
from app.questions.schemas import choices
from app.questions.types.matching.content import TYPE, Matching
from app.text import markdown_html


def validate(q: Matching, r: Any) -> dict[str, Any]:
    pairs = require(r, "pairs")
    if not isinstance(pairs, dict):
        raise ResponseInvalid("response.pairs", gettext("must map premise ids to answer ids"))
    premises = set(q.premise_ids())
    answers = {cid for cid, _ in q.answer_choices()}
    for premise, answer in pairs.items():
        if premise not in premises:
            raise ResponseInvalid(
                "response.pairs", gettext("unknown premise '%(premise)s'", premise=premise)
            )
        if not isinstance(answer, str) or answer not in answers:
            raise ResponseInvalid(f"response.pairs.{premise}", gettext("unknown answer"))
    return {"pairs": dict(sorted(pairs.items()))}


def score(q: Matching, r: dict[str, Any]) -> float:
    key_map = q.key_map()
    return sum(r["pairs"].get(p) == a for p, a in key_map.items()) / len(key_map)


def key(q: Matching) -> dict[str, Any]:
    return {"pairs": q.key_map()}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    pairs = {p["id"]: form_one(form, f"pair-{p['id']}") for p in view["premises"]}
    if not any(pairs.values()):
        return None
    return {"pairs": {p: a for p, a in pairs.items() if a}}


def to_canonical(q: Matching, display: Any, r: Any) -> Any:
    if isinstance(r.get("pairs"), dict):
        premises, options = lookup(display, "premises"), lookup(display, "options")
        return {
            **r,
            "pairs": {
                real_id(p, premises, "response.pairs"): real_id(a, options, f"response.pairs.{p}")
                for p, a in r["pairs"].items()
            },
        }
    return r


def to_display(q: Matching, display: Any, r: dict[str, Any]) -> dict[str, Any]:
    back, premises = reverse(display, "options"), reverse(display, "premises")
    return {"pairs": {premises.get(p): back.get(a) for p, a in r["pairs"].items()}}


def item_view(q: Matching, display: Any, media_url: str | None = None) -> dict[str, Any]:
    premise_text = {pid: p.premise for pid, p in zip(q.premise_ids(), q.pairs, strict=True)}
    answer_text = dict(q.answer_choices())
    return {
        "premises": [
            {"id": opaque, "html": markdown_html(premise_text[real])}
            for opaque, real in display["premises"]
        ],
        "options": [
            {"id": opaque, "html": markdown_html(answer_text[real])}
            for opaque, real in display["options"]
        ],
    }


def feedback_view(q: Matching, display: Any, response: Any) -> dict[str, Any]:
    return {"key_text": [[p.premise, p.answer] for p in q.pairs]}


def chance_score(q: Matching) -> float:
    """Each premise given one of the answers at random: right once in as many answers."""
    return 1.0 / len(q.answer_choices())


registry.register(
    TYPE,
    quiz=QuizFacet(
        styles=("css/questions/matching.css",),
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        chance_score=chance_score,
        to_canonical=to_canonical,
        to_display=to_display,
        item_view=item_view,
        feedback_view=feedback_view,
        api_fields={"premises": choices(), "options": choices()},
    ),
)
