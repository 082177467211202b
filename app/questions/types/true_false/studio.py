"""True/false in the studio: the correct answer and a feedback for each choice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField

from app.i18n import lazy_gettext as _l
from app.questions import registry
from app.questions.studio_facet import StudioFacet


def fields() -> dict[str, UnboundField]:
    return {
        "tf_answer": SelectField(
            _l("Correct answer"),
            choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
            validate_choice=False,
        ),
        "feedback_true": StringField(_l("Feedback if 'true' is chosen")),
        "feedback_false": StringField(_l("Feedback if 'false' is chosen")),
    }


def to_data(form: Any) -> dict[str, Any]:
    return {
        "answer": form.tf_answer.data == "true",
        "feedback_true": form.feedback_true.data or "",
        "feedback_false": form.feedback_false.data or "",
    }


def fill(form: Any, data: Mapping[str, Any]) -> None:
    form.tf_answer.data = "true" if data["answer"] else "false"
    form.feedback_true.data = data.get("feedback_true", "")
    form.feedback_false.data = data.get("feedback_false", "")


registry.register(
    "true_false",
    studio=StudioFacet(
        fields=fields,
        to_data=to_data,
        fill=fill,
        template="questions/true_false/studio_fields.html",
        error_fields={"answer": "tf_answer"},
    ),
)
