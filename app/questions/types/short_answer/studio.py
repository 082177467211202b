"""Short answer in the studio: the accepted answers (``*`` matches anything)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import BooleanField, TextAreaField
from wtforms.fields.core import UnboundField

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet, lines


def fields() -> dict[str, UnboundField]:
    return {
        "answers": TextAreaField(_l("Accepted answers (one per line; * matches anything)")),
        "case_sensitive": BooleanField(_l("Case sensitive")),
    }


def to_data(form: Any) -> dict[str, Any]:
    return {
        "answers": lines(form.answers.data),
        "case_sensitive": bool(form.case_sensitive.data),
    }


def fill(form: Any, data: Mapping[str, Any]) -> None:
    form.answers.data = "\n".join(data.get("answers", []))
    form.case_sensitive.data = data.get("case_sensitive", False)


registry.register(
    "short_answer",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/short_answer/studio_fields.html",
    ),
)
