"""Hotspot in the quiz: a point (``point_x``/``point_y``) or a labelled region (``region``).

Scored 1 when the point lies inside any correct region (ray casting; on an edge counts). A
region chosen by its label stands for a point inside it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from app.i18n import gettext as _
from app.questions import registry
from app.questions.base import (
    AnswerInvalid,
    ResponseInvalid,
    form_one,
    lookup,
    number,
    real_id,
    require,
    reverse,
)
from app.questions.facets import QuizFacet
from app.questions.schemas import Out
from app.questions.types.hotspot.content import TYPE, Hotspot


class Region(Out):
    id = fields.String(required=True)
    label = fields.String(required=True)


def point_in_polygon(x: float, y: float, points: list[tuple[float, float]]) -> bool:
    """Ray casting; a point on an edge counts as inside."""
    inside = False
    n = len(points)
    for i in range(n):
        (x1, y1), (x2, y2) = points[i], points[(i + 1) % n]
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 and (
        min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12
    )


def interior_point(points: list[tuple[float, float]]) -> dict[str, float]:
    """A point inside the polygon: its centroid, else a fan triangle's centroid, else a vertex."""
    n = len(points)
    candidates = [(sum(p[0] for p in points) / n, sum(p[1] for p in points) / n)]
    candidates += [
        (
            (points[0][0] + points[i][0] + points[i + 1][0]) / 3,
            (points[0][1] + points[i][1] + points[i + 1][1]) / 3,
        )
        for i in range(1, n - 1)
    ]
    for x, y in candidates:
        if point_in_polygon(x, y, points):
            return {"x": x, "y": y}
    return {"x": points[0][0], "y": points[0][1]}  # on the boundary, which counts as inside


def validate(q: Hotspot, r: Any) -> dict[str, Any]:
    point = require(r, "point")
    if not isinstance(point, dict) or set(point) != {"x", "y"}:
        raise ResponseInvalid("response.point", _('must be {"x": 0..1, "y": 0..1}'))
    x, y = number(point["x"], "response.point.x"), number(point["y"], "response.point.y")
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ResponseInvalid("response.point", _("x and y are fractions between 0 and 1"))
    return {"point": {"x": x, "y": y}}


def score(q: Hotspot, r: dict[str, Any]) -> float:
    x, y = r["point"]["x"], r["point"]["y"]
    return 1.0 if any(point_in_polygon(x, y, g.points) for g in q.regions if g.correct) else 0.0


def key(q: Hotspot) -> dict[str, Any]:
    return {"point": interior_point(next(g for g in q.regions if g.correct).points)}


def parse_form(view: Any, form: Any) -> dict[str, Any] | None:
    x, y = form_one(form, "point_x"), form_one(form, "point_y")
    if x and y:
        try:
            return {"point": {"x": float(x), "y": float(y)}}
        except ValueError:
            raise AnswerInvalid(_("The marked point is not valid: mark it again.")) from None
    region = form_one(form, "region")
    return {"region": region} if region else None


def to_canonical(q: Hotspot, display: Any, r: Any) -> Any:
    if "region" in r:
        # The keyboard alternative: a labelled region stands for a point inside it.
        if set(r) != {"region"}:
            raise ResponseInvalid("response", _("give either a point or a region"))
        region_id = real_id(r["region"], lookup(display, "regions"), "response.region")
        region = next(g for g in q.regions if g.id == region_id)
        return {"point": interior_point(region.points)}
    return r


def item_view(q: Hotspot, display: Any, media_url: str | None = None) -> dict[str, Any]:
    labels = {r.id: r.label for r in q.regions}
    return {
        "image_url": media_url,
        "image_alt": q.image_alt,
        "regions": [{"id": opaque, "label": labels[real]} for opaque, real in display["regions"]],
    }


def feedback_view(q: Hotspot, display: Any, response: Any) -> dict[str, Any]:
    """The key as text, and the answer regions to draw on the image (fractions of it) with
    their opaque ids (to mark the region list in place)."""
    correct = [r for r in q.regions if r.correct]
    back = reverse(display, "regions")
    return {
        "key_text": ", ".join(r.label for r in correct),
        "key_regions": [{"label": r.label, "points": [list(p) for p in r.points]} for r in correct],
        "key_region_ids": [back[r.id] for r in correct if r.id in back],
    }


def page_view(q: Hotspot, display: Any, response: Any) -> dict[str, Any]:
    """The opaque id of the region holding the trainee's point (their answer, not the key)."""
    return {"selected_region": _chosen_region(q, display, response)}


def _chosen_region(q: Hotspot, display: Any, response: Any) -> str | None:
    point = (response or {}).get("point")
    if not point:
        return None
    by_id = {r.id: r for r in q.regions}
    for opaque, real in display.get("regions", []):
        if point_in_polygon(point["x"], point["y"], by_id[real].points):
            return opaque
    return None


def chance_score(q: Hotspot) -> float:
    """One of the listed regions picked at random (the keyboard alternative to clicking)."""
    return sum(1 for g in q.regions if g.correct) / len(q.regions)


registry.register(
    TYPE,
    quiz=QuizFacet(
        validate=validate,
        score=score,
        key=key,
        parse_form=parse_form,
        chance_score=chance_score,
        to_canonical=to_canonical,
        item_view=item_view,
        feedback_view=feedback_view,
        page_view=page_view,
        scripts=("js/questions/hotspot.js",),
        styles=("css/questions/hotspot.css",),
        api_fields={
            "image_url": fields.String(allow_none=True),
            "image_alt": fields.String(),
            "regions": fields.List(fields.Nested(Region)),
        },
    ),
)
