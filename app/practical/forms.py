"""Practical competence forms: every change is a POST with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

from app.input_guard import NumberRange
from app.practical import hours, logbook
from app.requirements.evidence import AREA_LABELS, MODE_LABELS, REGIONS

MODE_CHOICES = [SelectChoice(m.value, label) for m, label in MODE_LABELS.items()]
AREA_CHOICES = [SelectChoice("", "(none)")] + [
    SelectChoice(a.value, label) for a, label in AREA_LABELS.items()
]
REGION_CHOICES = [SelectChoice(r, r.replace("_", " ")) for r in REGIONS]


class ActionForm(FlaskForm):
    submit = SubmitField("Confirm")


class LogbookForm(FlaskForm):
    performed_on = DateField("Date of the session", validators=[DataRequired()])
    patient_code = StringField(
        "Patient code",
        validators=[DataRequired(), Length(max=20)],
        description="A de-identified code (e.g. P-0042): never a name, date of birth or contact.",
    )
    region = SelectField("Body region", choices=REGION_CHOICES, validate_choice=True)
    muscles = StringField(
        "Muscles (comma-separated)", validators=[DataRequired(), Length(max=1600)]
    )
    needles_in = IntegerField(
        "Needles in", validators=[InputRequired(), NumberRange(0, logbook.MAX_NEEDLES)]
    )
    needles_out = IntegerField(
        "Needles out", validators=[InputRequired(), NumberRange(0, logbook.MAX_NEEDLES)]
    )
    adverse_event = StringField(
        "Adverse event", default="none", validators=[Length(max=logbook.MAX_TEXT)]
    )
    supervisor_email = EmailField(
        "Supervisor's e-mail", validators=[DataRequired(), Email(), Length(max=254)]
    )
    reflection = TextAreaField("Reflection", validators=[Length(max=logbook.MAX_TEXT)])
    submit = SubmitField("Log the session")


class DecisionForm(FlaskForm):
    decision = SelectField(
        "Decision",
        choices=[SelectChoice("approve", "Sign off"), SelectChoice("return", "Return")],
        validate_choice=True,
    )
    comment = TextAreaField("Comment", validators=[Length(max=logbook.MAX_COMMENT)])
    submit = SubmitField("Decide")


class ActivityForm(FlaskForm):
    title = StringField("What you did", validators=[DataRequired(), Length(max=hours.MAX_TITLE)])
    mode = SelectField("Delivery mode", choices=MODE_CHOICES, validate_choice=True)
    content_area = SelectField("Content area", choices=AREA_CHOICES, validate_choice=True)
    hours = FloatField("Hours", validators=[DataRequired(), NumberRange(0.25, hours.MAX_HOURS)])
    held_on = DateField("Date", validators=[DataRequired()])
    evidence = FileField("Evidence (PDF, PNG or JPEG, at most 5 MB)", validators=[FileRequired()])
    submit = SubmitField("Record the activity")


class ReviewForm(FlaskForm):
    verdict = SelectField(
        "Verdict",
        choices=[SelectChoice("verify", "Verify"), SelectChoice("reject", "Reject")],
        validate_choice=True,
    )
    note = TextAreaField("Note", validators=[Length(max=hours.MAX_NOTE)])
    submit = SubmitField("Save")


class SessionForm(FlaskForm):
    title = StringField("Session", validators=[DataRequired(), Length(max=hours.MAX_TITLE)])
    mode = SelectField("Delivery mode", choices=MODE_CHOICES, validate_choice=True)
    content_area = SelectField("Content area", choices=AREA_CHOICES, validate_choice=True)
    hours = FloatField("Hours", validators=[DataRequired(), NumberRange(0.25, hours.MAX_HOURS)])
    held_on = DateField("Date", validators=[DataRequired()])
    cohort = SelectField("Cohort", choices=[], validate_choice=True)
    attendees = TextAreaField(
        "Attendees' e-mails (one a line)", validators=[DataRequired(), Length(max=20000)]
    )
    submit = SubmitField("Record the session and credit the hours")


class ExperienceForm(FlaskForm):
    email = EmailField("Instructor's e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    needling_since = DateField("Dry needling since", validators=[DataRequired()])
    sessions = IntegerField(
        "Dry-needling sessions performed", validators=[InputRequired(), NumberRange(0, 100_000)]
    )
    submit = SubmitField("Record experience")


class StationForm(FlaskForm):
    slug = StringField("Slug", validators=[DataRequired(), Length(max=80)])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    task = TextAreaField("Task for the candidate", validators=[Length(max=5000)])
    region = SelectField(
        "Body region", choices=[SelectChoice("", "(none)")] + REGION_CHOICES, validate_choice=True
    )
    checklist = TextAreaField(
        "Checklist",
        validators=[DataRequired(), Length(max=20000)],
        description="One observable step a line: id | step | weight",
    )
    critical_errors = TextAreaField(
        "Critical errors",
        validators=[Length(max=20000)],
        description="One a line: id | error (each fails the station whatever the score)",
    )
    global_scale = IntegerField(
        "Global rating scale (1 to …)", default=5, validators=[InputRequired(), NumberRange(2, 10)]
    )
    min_global = IntegerField(
        "Minimum global rating to pass", default=3, validators=[InputRequired(), NumberRange(1, 10)]
    )
    pass_percent = FloatField(
        "Checklist pass mark (%)", default=70, validators=[InputRequired(), NumberRange(0, 100)]
    )
    submit = SubmitField("Save the draft")


class PerformanceForm(FlaskForm):
    station = SelectField("Station", choices=[], validate_choice=True)
    candidate = EmailField(
        "Candidate's e-mail", validators=[DataRequired(), Email(), Length(max=254)]
    )
    examiners = SelectField(
        "Examiners", choices=[SelectChoice("2", "2"), SelectChoice("1", "1")], validate_choice=True
    )
    submit = SubmitField("Start the examination")
