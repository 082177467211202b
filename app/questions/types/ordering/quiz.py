"""Ordering in the quiz: a position select per item (``pos-<item>``); the share placed right."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import (
    AnswerInvalid,
    ResponseInvalid,
    form_one,
    id_list_converters,
    require,
)
from app.questions.facets import QuizFacet
from app.questions.schemas import choices
from app.questions.types.ordering.content import TYPE, Ordering
from app.text import markdown_html


def validate(q: Ordering, r: Any) -> dict[str, Any]:
    order = require(r, "order")
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(q.item_ids()):
        raise ResponseInvalid("response.order", _("must list every item exactly once"))
    if not all(isinstance(i, str) for i in order):
        raise ResponseInvalid("response.order", _("must be a list of item ids"))
    return {"order": list(order)}


def score(q: Ordering, r: dict[str, Any]) -> float:
    ids = q.item_ids()
    return sum(a == b for a, b in zip(r["order"], ids, strict=True)) / len(ids)


def key(q: Ordering) -> dict[str, Any]:
    return {"order": q.item_ids()}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    ids = [o["id"] for o in view["options"]]
    positions: dict[str, int] = {}
    for opaque in ids:
        raw = form_one(form, f"pos-{opaque}")
        if raw:
            if not raw.isdigit() or not 1 <= int(raw) <= len(ids):
                raise AnswerInvalid(_("Give each item a position from the list."))
            positions[opaque] = int(raw)
    if not positions:
        return None
    if len(positions) != len(ids) or len(set(positions.values())) != len(ids):
        raise AnswerInvalid(_("Give every item a different position, from 1 to %(n)s.", n=len(ids)))
    return {"order": sorted(ids, key=positions.__getitem__)}


to_canonical, to_display = id_list_converters("order")


def item_view(q: Ordering, display: Any, media_url: str | None = None) -> dict[str, Any]:
    text = dict(zip(q.item_ids(), q.items, strict=True))
    return {
        "options": [
            {"id": opaque, "html": markdown_html(text[real])} for opaque, real in display["options"]
        ]
    }


def feedback_view(q: Ordering, display: Any, response: Any) -> dict[str, Any]:
    return {"key_text": list(q.items)}


def chance_score(q: Ordering) -> float:
    """A random order: each item lands in its place once in n (expected fixed points / n)."""
    return 1.0 / len(q.items)


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
        item_view=item_view,
        feedback_view=feedback_view,
        scripts=("js/questions/ordering.js",),
        styles=("css/questions/ordering.css",),
        api_fields={"options": choices()},
    ),
)
