"""Forms of the quiz pages, and the parsing of an answer form into a response.

The answer fields differ by question type, so they are not WTForms fields: ``parse_response``
asks the type's quiz facet, which reads only the names the item's view declares (opaque option
ids, ``value``, ``text``, ...) and builds the response the service validates. Nothing else in
the posted form is ever read.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Optional

from app.i18n import lazy_gettext as _l
from app.input_guard import (
    INT32_MAX,
    NumberRange,  # refuses a huge integer (WTForms fails on it)
)
from app.questions import registry
from app.questions.base import AnswerInvalid

__all__ = ["ACTIONS", "AnswerForm", "AnswerInvalid", "EmptyForm", "SubmitForm", "parse_response"]

ACTIONS = ("save", "previous", "next", "check", "summary")


class EmptyForm(FlaskForm):
    """CSRF only: start or resume a module."""


class AnswerForm(FlaskForm):
    """The fields common to every question page (the answer itself: ``parse_response``)."""

    seq = IntegerField(validators=[InputRequired(), NumberRange(0, INT32_MAX)])
    flagged = BooleanField(_l("Flag for review"))
    action = HiddenField(validators=[Optional(), AnyOf(ACTIONS)], default="save")


class SubmitForm(FlaskForm):
    confirm = BooleanField(
        _l("I have reviewed my answers and want to submit this attempt now."),
        validators=[DataRequired(_l("Tick the box to confirm that you want to submit."))],
    )


def parse_response(view: dict[str, Any], form: Any) -> dict[str, Any] | None:
    """The response (in the attempt's opaque ids) posted for ``view``; None when left blank.

    Raises AnswerInvalid when the form is filled but not usable (a number that is not a
    number, a position given twice...). Each type's ``parse_form`` reads the field names its
    answer template writes.
    """
    try:
        facet = registry.get(view["type"]).quiz
    except registry.UnknownQuestionType:
        facet = None
    if facet is None:
        raise AnswerInvalid(f"Unknown question type {view['type']}.")
    return facet.parse_form(view, form)
