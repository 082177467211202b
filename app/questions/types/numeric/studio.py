"""Numeric in the studio: the answer, a tolerance and a unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import FloatField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet


def fields() -> dict[str, UnboundField]:
    return {
        "numeric_answer": FloatField(_l("Answer"), validators=[Optional()]),
        "tolerance": FloatField(_l("Tolerance (±)"), validators=[Optional()], default=0.0),
        "unit": StringField(_l("Unit")),
    }


def to_data(form: Any) -> dict[str, Any]:
    return {
        "answer": form.numeric_answer.data,
        "tolerance": form.tolerance.data or 0.0,
        "unit": form.unit.data or "",
    }


def fill(form: Any, data: Mapping[str, Any]) -> None:
    form.numeric_answer.data = data["answer"]
    form.tolerance.data = data.get("tolerance", 0.0)
    form.unit.data = data.get("unit", "")


registry.register(
    "numeric",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/numeric/studio_fields.html",
        error_fields={"answer": "numeric_answer"},
    ),
)
