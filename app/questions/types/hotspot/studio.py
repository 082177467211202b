"""Hotspot in the studio: an uploaded image, its description and polygon regions.

On the question editor, ``js/questions/hotspot-studio.js`` lets the author draw each region's
polygon on the image; without it the points are typed as ``x,y`` fractions of the image.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, Optional

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet, set_rows


class RegionForm(Form):
    id = StringField(_l("Id"), validators=[Optional(), Length(max=80)])
    label = StringField(_l("Label"))
    points = StringField(
        _l("Polygon"),
        description=_l("x,y pairs as fractions of the image: 0.1,0.1 0.4,0.1 0.4,0.3"),
    )
    correct = BooleanField(_l("Correct"))
    feedback = StringField(_l("Feedback"))


def fields() -> dict[str, UnboundField]:
    return {
        "image": SelectField(_l("Image"), validate_choice=False, choices=[]),
        "image_alt": StringField(_l("Image description (alt text)")),
        "regions": FieldList(FormField(RegionForm), min_entries=0),
    }


def to_data(form: Any) -> dict[str, Any]:
    return {
        "image": form.image.data or "",
        "image_alt": form.image_alt.data or "",
        "regions": [
            {
                "id": (e.form.id.data or "").strip() or f"r{i + 1}",
                "label": e.form.label.data or "",
                "points": parse_points(e.form.points.data),
                "correct": bool(e.form.correct.data),
                "feedback": e.form.feedback.data or "",
            }
            for i, e in enumerate(form.regions.entries)
        ],
    }


def fill(form: Any, data: Mapping[str, Any]) -> None:
    form.image.data = data.get("image", "")
    form.image_alt.data = data.get("image_alt", "")
    set_rows(
        form.regions,
        [
            {**r, "points": " ".join(f"{x:g},{y:g}" for x, y in r["points"])}
            for r in data.get("regions", [])
        ],
    )


def parse_points(text: str | None) -> list[Any]:
    """``"0.1,0.1 0.4,0.1"`` -> [(0.1, 0.1), (0.4, 0.1)]; a malformed pair is kept as text."""
    points: list[Any] = []
    for pair in (text or "").replace(";", " ").split():
        parts = pair.split(",")
        try:
            points.append((float(parts[0]), float(parts[1])))
        except (ValueError, IndexError):
            points.append(pair)  # pydantic reports it on the polygon field
    return points


registry.register(
    "hotspot",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/hotspot/studio_fields.html",
        row_lists={"regions": "Region"},
        starter_rows={"regions": 2},
        media_field="image",
        scripts=("js/questions/hotspot-studio.js",),
        styles=("css/questions/hotspot-studio.css",),
    ),
)
