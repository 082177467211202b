"""Single choice in the studio: a list of options, exactly one of them correct.

The option rows are shared with ``multiple_response`` (same fields, same conversion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import BooleanField, FieldList, Form, FormField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, Optional

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet, set_rows


class OptionForm(Form):
    id = StringField(_l("Id"), validators=[Optional(), Length(max=80)])
    text = StringField(_l("Text"))
    correct = BooleanField(_l("Correct"))
    feedback = StringField(_l("Feedback"))
    reviewer_notes = StringField(_l("Reviewer notes (never shown to a trainee)"))


def choice_fields() -> dict[str, UnboundField]:
    return {
        "options": FieldList(FormField(OptionForm), min_entries=0),
        "shuffle": BooleanField(_l("Shuffle options"), default=True),
    }


def choice_to_data(form: Any) -> dict[str, Any]:
    return {
        "options": [
            {
                "id": (e.form.id.data or "").strip() or f"o{i + 1}",
                "text": e.form.text.data or "",
                "correct": bool(e.form.correct.data),
                "feedback": e.form.feedback.data or "",
                "reviewer_notes": e.form.reviewer_notes.data or "",
            }
            for i, e in enumerate(form.options.entries)
        ],
        "shuffle": bool(form.shuffle.data),
    }


def choice_fill(form: Any, data: Mapping[str, Any]) -> None:
    set_rows(form.options, list(data.get("options", [])))
    form.shuffle.data = data.get("shuffle", True)


registry.register(
    "single_choice",
    studio=StudioFacet(
        fields=choice_fields,
        to_data=choice_to_data,
        fill=choice_fill,
        template="questions/single_choice/studio_fields.html",
        row_lists={"options": "Option"},
        starter_rows={"options": 4},
    ),
)
