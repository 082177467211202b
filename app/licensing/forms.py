"""Forms: the trainee's chosen jurisdictions; a proposed rule text; a decision; the roster."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.licensing.services import MAX_REASON, MAX_TEXT


class ChooseForm(FlaskForm):
    """The route sets ``chosen.choices`` to the jurisdictions of the trainee's profession."""

    chosen = SelectMultipleField(
        "Jurisdictions I care about",
        choices=[],
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Save my jurisdictions")


class ProposeForm(FlaskForm):
    text = TextAreaField("Rule file (YAML)", validators=[DataRequired(), Length(max=MAX_TEXT)])
    reason = StringField("Why", validators=[DataRequired(), Length(max=MAX_REASON)])
    submit = SubmitField("Propose this change")


class DecideForm(FlaskForm):
    note = StringField("Note", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Submit")


class RosterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET download: it changes nothing

    program = StringField("Program", validators=[DataRequired(), Length(max=80)])
    start = DateField("From", validators=[DataRequired()])
    end = DateField("To", validators=[DataRequired()])
