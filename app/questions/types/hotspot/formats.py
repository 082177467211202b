"""Hotspot in QTI 3.0 (GIFT and Moodle XML have no hotspot questions).

Import: a single-cardinality hotspot interaction over an ``<img>`` (or ``<object>``) with a
width and height; rect, circle, ellipse and poly shapes become polygons in fractions of the
image (circles and ellipses as 16-gons). Export: each region as a closed polygon in pixels of
the image (its size when the export knows it, else a virtual 1000 x 1000), scored by
``map_response`` (one click in any correct region).
"""

from __future__ import annotations

import math
import re
from typing import Any

from app.i18n import gettext
from app.questions import registry
from app.questions.format_hooks import FormatHooks, QtiItem, finite

TYPE = "hotspot"
POLYGON_SIDES = 16
VIRTUAL_SIZE = 1000  # hotspot coordinates when the image's size is not given


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


def _shape(shape: str, coords: str, w: float, h: float) -> list[list[float]] | None:
    try:
        c = [float(x) for x in re.split(r"[,\s]+", coords.strip()) if x]
    except ValueError:
        return None
    if not all(math.isfinite(x) for x in c):
        return None
    shape = shape.lower()
    if shape == "rect" and len(c) == 4:
        x1, y1, x2, y2 = c
        pts = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    elif shape in ("circle", "ellipse") and len(c) in (3, 4):
        cx, cy, rx = c[0], c[1], c[2]
        ry = c[3] if len(c) == 4 else rx
        pts = [
            (
                cx + rx * math.cos(2 * math.pi * k / POLYGON_SIDES),
                cy + ry * math.sin(2 * math.pi * k / POLYGON_SIDES),
            )
            for k in range(POLYGON_SIDES)
        ]
    elif shape == "poly" and len(c) >= 6 and len(c) % 2 == 0:
        pts = list(zip(c[0::2], c[1::2], strict=True))
        if len(pts) > 3 and pts[0] == pts[-1]:  # a closed polygon: drop the repeated point
            pts = pts[:-1]
    else:
        return None
    return [[_clamp(x / w), _clamp(y / h)] for x, y in pts]


def _coords(points: list[tuple[float, float]], w: int, h: int) -> str:
    """A closed polygon (the first point repeated), in pixels of a w x h image."""
    closed = [*points, points[0]]
    return ",".join(repr(v) for x, y in closed for v in (x * w, y * h))


def _image(ctx: Any, inter: Any) -> tuple[Any, str, str] | None:
    """(element, src, alt) of the interaction's image, or None (skipped)."""
    image = inter.find("img")
    if image is not None:
        return image, image.get("src", ""), image.get("alt", "")
    image = inter.find("object")
    if image is None:
        ctx.skip(gettext("hotspot without an <img> or <object>"))
        return None
    return image, image.get("data", ""), "".join(image.itertext()).strip()


def qti_read(ctx: Any, inter: Any, data: dict[str, Any]) -> bool:
    if ctx.declaration.get("cardinality", "single") != "single":
        ctx.skip(
            gettext(
                "a hotspot with several required clicks has no equivalent (ours: one click "
                "in any correct region)"
            )
        )
        return False
    found = _image(ctx, inter)
    if found is None:
        return False
    image, src, alt = found
    width, height = finite(image.get("width")), finite(image.get("height"))
    if not width or not height or width <= 0 or height <= 0:
        ctx.skip(gettext("the hotspot image has no width and height: regions cannot be normalised"))
        return False
    correct = set(ctx.correct())
    if ctx.template == "map_response":
        correct |= {k for k, v in ctx.mapping().items() if v > 0}
    regions = []
    for c in inter.findall("qti-hotspot-choice"):
        points = _shape(c.get("shape", ""), c.get("coords", ""), width, height)
        if points is None:
            ctx.skip(
                gettext(
                    "hotspot choice %(choice)s: shape %(shape)s with coords %(coords)s "
                    "cannot be mapped",
                    choice=repr(ctx.ident(c)),
                    shape=repr(c.get("shape")),
                    coords=repr(c.get("coords")),
                )
            )
            return False
        label = c.get("hotspot-label") or c.get("aria-label") or ctx.content(c) or ctx.ident(c)
        regions.append(
            {
                "id": ctx.key_id(ctx.ident(c)),
                "label": label,
                "points": points,
                "correct": ctx.ident(c) in correct,
            }
        )
    data.update(type=TYPE, image=src, image_alt=alt or "image", regions=regions)
    return True


def qti_write(ctx: Any, q: Any) -> QtiItem:
    w, h = ctx.image_sizes.get(q.image, (VIRTUAL_SIZE, VIRTUAL_SIZE))
    correct = [r.id for r in q.regions if r.correct]
    entries = "".join(f'<qti-map-entry map-key="{r}" mapped-value="1"/>' for r in correct)
    decl = ctx.response(
        "single",
        "identifier",
        correct[:1],
        f'<qti-mapping default-value="0" upper-bound="1">{entries}</qti-mapping>',
    )
    spots = "".join(
        f'<qti-hotspot-choice identifier="{r.id}" shape="poly" '
        f'coords="{_coords(r.points, w, h)}" '
        f"hotspot-label={ctx.attr(r.label)}/>"
        for r in q.regions
    )
    interaction = (
        f'<qti-hotspot-interaction response-identifier="RESPONSE" max-choices="1">'
        f'<img src={ctx.attr(q.image)} alt={ctx.attr(q.image_alt)} width="{w}" '
        f'height="{h}"/>{spots}</qti-hotspot-interaction>'
    )
    return QtiItem(decl, interaction, template="map_response")


registry.register(
    TYPE,
    formats={
        "qti": FormatHooks(names=("qti-hotspot-interaction",), read=qti_read, write=qti_write),
    },
)
