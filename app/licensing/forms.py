"""Forms: the trainee's chosen jurisdictions; a proposed rule text; a decision; the roster."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.i18n import lazy_gettext as _l
from app.licensing.services import MAX_REASON, MAX_TEXT


class ChooseForm(FlaskForm):
    """The route sets ``chosen.choices`` to the jurisdictions of the trainee's profession."""

    chosen = SelectMultipleField(
        _l("Jurisdictions I care about"),
        choices=[],
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Save my jurisdictions"))


class ProposeForm(FlaskForm):
    text = TextAreaField(_l("Rule file (YAML)"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    reason = StringField(_l("Why"), validators=[DataRequired(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Propose this change"))


class DecideForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Submit"))


class RosterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET download: it changes nothing

    program = StringField(_l("Program"), validators=[DataRequired(), Length(max=80)])
    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To"), validators=[DataRequired()])
