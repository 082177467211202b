"""Matching in the studio: premise/answer pairs and extra wrong answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import FieldList, Form, FormField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet, lines, set_rows


class PairForm(Form):
    premise = StringField(_l("Premise"))
    answer = StringField(_l("Answer"))


def fields() -> dict[str, UnboundField]:
    return {
        "pairs": FieldList(FormField(PairForm), min_entries=0),
        "distractors": TextAreaField(
            _l("Extra wrong answers (one per line)"), render_kw={"rows": 2}
        ),
    }


def to_data(form: Any) -> dict[str, Any]:
    return {
        "pairs": [
            {"premise": e.form.premise.data or "", "answer": e.form.answer.data or ""}
            for e in form.pairs.entries
        ],
        "distractors": lines(form.distractors.data),
    }


def fill(form: Any, data: Mapping[str, Any]) -> None:
    set_rows(form.pairs, list(data.get("pairs", [])))
    form.distractors.data = "\n".join(data.get("distractors", []))


registry.register(
    "matching",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/matching/studio_fields.html",
        row_lists={"pairs": "Pair"},
        starter_rows={"pairs": 3},
    ),
)
