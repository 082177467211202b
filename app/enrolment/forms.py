"""Enrolment forms: every change is a POST with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.enrolment.services import NAME_MAX
from app.i18n import lazy_gettext as _l


class ActionForm(FlaskForm):
    """A button with a CSRF token (enrol myself, withdraw)."""

    submit = SubmitField(_l("Confirm"))


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    program = SelectField(_l("Program"), choices=[], validate_choice=True)
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    submit = SubmitField(_l("Create cohort"))


class EnrolForm(FlaskForm):
    email = EmailField(
        _l("Trainee's e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    program = SelectField(_l("Program"), choices=[], validate_choice=True)
    cohort = SelectField(_l("Cohort (optional)"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Enrol"))


class InstructorForm(FlaskForm):
    email = EmailField(
        _l("Instructor's e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField(_l("Add instructor"))


class CsvForm(FlaskForm):
    file = FileField(_l("CSV file (email,program[,cohort])"), validators=[FileRequired()])
    submit = SubmitField(_l("Enrol everyone in the file"))
