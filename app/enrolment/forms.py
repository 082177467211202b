"""Enrolment forms: every change is a POST with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.enrolment.services import NAME_MAX


class ActionForm(FlaskForm):
    """A button with a CSRF token (enrol myself, withdraw)."""

    submit = SubmitField("Confirm")


class CohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=NAME_MAX)])
    program = SelectField("Program", choices=[], validate_choice=True)
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])
    submit = SubmitField("Create cohort")


class EnrolForm(FlaskForm):
    email = EmailField("Trainee's e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    program = SelectField("Program", choices=[], validate_choice=True)
    cohort = SelectField("Cohort (optional)", choices=[], validate_choice=True)
    submit = SubmitField("Enrol")


class InstructorForm(FlaskForm):
    email = EmailField("Instructor's e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Add instructor")


class CsvForm(FlaskForm):
    file = FileField("CSV file (email,program[,cohort])", validators=[FileRequired()])
    submit = SubmitField("Enrol everyone in the file")
