"""An attempt item's display: the opaque ids a trainee sees, and responses in both directions.

A display maps a part (``options``, ``premises``, ``regions``) to ``[[opaque, real], ...]`` in
the order shown. Pages and the API speak opaque ids; stored responses use the question's own
ids. Pure: no Flask, no database.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from app.banks.schema import (
    Hotspot,
    Matching,
    MultipleResponse,
    Ordering,
    QuestionBase,
    SingleChoice,
)
from app.quiz import scoring
from app.quiz.errors import ResponseRejected


def _opaque() -> str:
    return secrets.token_urlsafe(6)


def new_display(question: QuestionBase, rng: random.Random) -> dict[str, Any]:
    """Opaque ids (fresh per attempt) in the order shown; never any hint of the key."""
    if isinstance(question, SingleChoice | MultipleResponse):
        ids = [o.id for o in question.options]
        if question.shuffle:
            rng.shuffle(ids)
        return {"options": [[_opaque(), i] for i in ids]}
    if isinstance(question, Matching):
        answers = [cid for cid, _ in question.answer_choices()]
        rng.shuffle(answers)
        return {
            "premises": [[_opaque(), p] for p in question.premise_ids()],
            "options": [[_opaque(), a] for a in answers],
        }
    if isinstance(question, Ordering):
        ids = question.item_ids()
        while len(ids) > 1 and ids == question.item_ids():
            rng.shuffle(ids)
        return {"options": [[_opaque(), i] for i in ids]}
    if isinstance(question, Hotspot):
        regions = [r.id for r in question.regions]
        rng.shuffle(regions)
        return {"regions": [[_opaque(), r] for r in regions]}
    return {}


# ---------------------------------------------------------------- responses: display <-> canonical


def _lookup(display: dict[str, Any], part: str) -> dict[str, str]:
    return dict(display.get(part, []))


def to_canonical(question: QuestionBase, display: dict[str, Any], response: Any) -> dict:
    """Translate a response in opaque ids into the question's ids, then validate it."""
    if not isinstance(response, dict):
        raise ResponseRejected("response: must be an object")
    options = _lookup(display, "options")

    def real(opaque: Any, table: dict[str, str], field: str) -> str:
        if not isinstance(opaque, str) or opaque not in table:
            raise ResponseRejected(f"{field}: not an option of this question")
        return table[opaque]

    try:
        if isinstance(question, SingleChoice) and "choice" in response:
            response = {**response, "choice": real(response["choice"], options, "response.choice")}
        elif isinstance(question, MultipleResponse) and isinstance(response.get("choices"), list):
            response = {
                **response,
                "choices": [real(c, options, "response.choices") for c in response["choices"]],
            }
        elif isinstance(question, Ordering) and isinstance(response.get("order"), list):
            response = {
                **response,
                "order": [real(c, options, "response.order") for c in response["order"]],
            }
        elif isinstance(question, Matching) and isinstance(response.get("pairs"), dict):
            premises = _lookup(display, "premises")
            response = {
                **response,
                "pairs": {
                    real(p, premises, "response.pairs"): real(a, options, f"response.pairs.{p}")
                    for p, a in response["pairs"].items()
                },
            }
        elif isinstance(question, Hotspot) and "region" in response:
            # The keyboard alternative: a labelled region stands for a point inside it.
            if set(response) != {"region"}:
                raise ResponseRejected("response: give either a point or a region")
            region_id = real(response["region"], _lookup(display, "regions"), "response.region")
            region = next(r for r in question.regions if r.id == region_id)
            response = {"point": scoring.interior_point(region.points)}
        return scoring.validate_response(question, response)
    except scoring.ResponseInvalid as exc:
        raise ResponseRejected(f"{exc.field}: {exc.message}") from None


def to_display(
    question: QuestionBase, display: dict[str, Any], response: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A canonical response in the attempt's opaque ids (to show the trainee their answer)."""
    if response is None:
        return None
    back = {real: opaque for opaque, real in display.get("options", [])}
    if "choice" in response:
        return {"choice": back.get(response["choice"])}
    if "choices" in response:
        return {"choices": [back.get(c) for c in response["choices"]]}
    if "order" in response:
        return {"order": [back.get(c) for c in response["order"]]}
    if "pairs" in response:
        premises = {real: opaque for opaque, real in display.get("premises", [])}
        return {"pairs": {premises.get(p): back.get(a) for p, a in response["pairs"].items()}}
    return dict(response)
