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

from app.i18n import lazy_gettext as _l
from app.input_guard import NumberRange
from app.practical import hours, logbook
from app.requirements.evidence import AREA_LABELS, MODE_LABELS, REGIONS

MODE_CHOICES = [SelectChoice(m.value, label) for m, label in MODE_LABELS.items()]
AREA_CHOICES = [SelectChoice("", _l("(none)"))] + [
    SelectChoice(a.value, label) for a, label in AREA_LABELS.items()
]
REGION_CHOICES = [SelectChoice(r, r.replace("_", " ")) for r in REGIONS]


class ActionForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class LogbookForm(FlaskForm):
    performed_on = DateField(_l("Date of the session"), validators=[DataRequired()])
    patient_code = StringField(
        _l("Patient code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l(
            "A de-identified code (e.g. P-0042): never a name, date of birth or contact."
        ),
    )
    region = SelectField(_l("Body region"), choices=REGION_CHOICES, validate_choice=True)
    muscles = StringField(
        _l("Muscles (comma-separated)"), validators=[DataRequired(), Length(max=1600)]
    )
    needles_in = IntegerField(
        _l("Needles in"), validators=[InputRequired(), NumberRange(0, logbook.MAX_NEEDLES)]
    )
    needles_out = IntegerField(
        _l("Needles out"), validators=[InputRequired(), NumberRange(0, logbook.MAX_NEEDLES)]
    )
    adverse_event = StringField(
        _l("Adverse event"), default="none", validators=[Length(max=logbook.MAX_TEXT)]
    )
    supervisor_email = EmailField(
        _l("Supervisor's e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    reflection = TextAreaField(_l("Reflection"), validators=[Length(max=logbook.MAX_TEXT)])
    submit = SubmitField(_l("Log the session"))


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Sign off")), SelectChoice("return", _l("Return"))],
        validate_choice=True,
    )
    comment = TextAreaField(_l("Comment"), validators=[Length(max=logbook.MAX_COMMENT)])
    submit = SubmitField(_l("Decide"))


class ActivityForm(FlaskForm):
    title = StringField(
        _l("What you did"), validators=[DataRequired(), Length(max=hours.MAX_TITLE)]
    )
    mode = SelectField(_l("Delivery mode"), choices=MODE_CHOICES, validate_choice=True)
    content_area = SelectField(_l("Content area"), choices=AREA_CHOICES, validate_choice=True)
    hours = FloatField(_l("Hours"), validators=[DataRequired(), NumberRange(0.25, hours.MAX_HOURS)])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    evidence = FileField(
        _l("Evidence (PDF, PNG or JPEG, at most 5 MB)"), validators=[FileRequired()]
    )
    submit = SubmitField(_l("Record the activity"))


class ReviewForm(FlaskForm):
    verdict = SelectField(
        _l("Verdict"),
        choices=[SelectChoice("verify", _l("Verify")), SelectChoice("reject", _l("Reject"))],
        validate_choice=True,
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=hours.MAX_NOTE)])
    submit = SubmitField(_l("Save"))


class SessionForm(FlaskForm):
    title = StringField(_l("Session"), validators=[DataRequired(), Length(max=hours.MAX_TITLE)])
    mode = SelectField(_l("Delivery mode"), choices=MODE_CHOICES, validate_choice=True)
    content_area = SelectField(_l("Content area"), choices=AREA_CHOICES, validate_choice=True)
    hours = FloatField(_l("Hours"), validators=[DataRequired(), NumberRange(0.25, hours.MAX_HOURS)])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=True)
    attendees = TextAreaField(
        _l("Attendees' e-mails (one a line)"), validators=[DataRequired(), Length(max=20000)]
    )
    submit = SubmitField(_l("Record the session and credit the hours"))


class ExperienceForm(FlaskForm):
    email = EmailField(
        _l("Instructor's e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    needling_since = DateField(_l("Dry needling since"), validators=[DataRequired()])
    sessions = IntegerField(
        _l("Dry-needling sessions performed"), validators=[InputRequired(), NumberRange(0, 100_000)]
    )
    submit = SubmitField(_l("Record experience"))


class StationForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[DataRequired(), Length(max=80)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    task = TextAreaField(_l("Task for the candidate"), validators=[Length(max=5000)])
    region = SelectField(
        _l("Body region"),
        choices=[SelectChoice("", _l("(none)"))] + REGION_CHOICES,
        validate_choice=True,
    )
    checklist = TextAreaField(
        _l("Checklist"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("One observable step a line: id | step | weight"),
    )
    critical_errors = TextAreaField(
        _l("Critical errors"),
        validators=[Length(max=20000)],
        description=_l("One a line: id | error (each fails the station whatever the score)"),
    )
    global_scale = IntegerField(
        _l("Global rating scale (1 to …)"),
        default=5,
        validators=[InputRequired(), NumberRange(2, 10)],
    )
    min_global = IntegerField(
        _l("Minimum global rating to pass"),
        default=3,
        validators=[InputRequired(), NumberRange(1, 10)],
    )
    pass_percent = FloatField(
        _l("Checklist pass mark (%)"), default=70, validators=[InputRequired(), NumberRange(0, 100)]
    )
    submit = SubmitField(_l("Save the draft"))


class PerformanceForm(FlaskForm):
    station = SelectField(_l("Station"), choices=[], validate_choice=True)
    candidate = EmailField(
        _l("Candidate's e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    examiners = SelectField(
        _l("Examiners"),
        choices=[SelectChoice("2", "2"), SelectChoice("1", "1")],
        validate_choice=True,
    )
    submit = SubmitField(_l("Start the examination"))
