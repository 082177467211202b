"""Admin forms: every state change is a POST with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
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

from app.auth.models import Role


class ActionForm(FlaskForm):
    """A button with a CSRF token (approve, re-issue, deactivate)."""

    submit = SubmitField("Confirm")


class ApproveForm(FlaskForm):
    note = StringField("Note (optional)", validators=[Length(max=2000)])
    submit = SubmitField("Approve and issue")


class RejectForm(FlaskForm):
    note = TextAreaField(
        "Reason (the trainee sees it)", validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField("Reject")


class RevokeForm(FlaskForm):
    reason = StringField(
        "Reason (shown on the public verification page)",
        validators=[DataRequired(), Length(max=500)],
    )
    submit = SubmitField("Revoke")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    submit = SubmitField("Change role")


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    submit = SubmitField("Send invitation")


class SiteSettingsForm(FlaskForm):
    registration_open = BooleanField("Open registration: anyone may create a trainee account")
    submit = SubmitField("Save settings")


class ApplyRuleChangeForm(FlaskForm):
    """Applying a rule change needs the box ticked: the administrator confirms the diff."""

    confirm = BooleanField(
        "I have checked each value before and after", validators=[DataRequired()]
    )
    submit = SubmitField("Apply the change")


class RejectRuleChangeForm(FlaskForm):
    reason = TextAreaField(
        "Reason (the proposer sees it)", validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField("Reject")


class AccommodationForm(FlaskForm):
    """A trainee's accommodation; the service checks the ranges (factor 1-4, attempts 0-10)."""

    time_factor = FloatField(
        "Time factor (× the time limit of timed exams, 1 to 4)",
        validators=[InputRequired(message="Give the time factor (1 for none).")],
    )
    extra_attempts = IntegerField(
        "Extra attempts per exam module (0 to 10)",
        validators=[InputRequired(message="Give the extra attempts (0 for none).")],
    )
    reason = TextAreaField(
        "Reason (kept in the record and the audit log; not mailed)",
        validators=[DataRequired(message="Give the reason."), Length(max=500)],
    )
    confirm = BooleanField(
        "I confirm this accommodation: it applies from the trainee's next attempt, and the "
        "trainee is mailed",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Grant the accommodation")


class ExtendForm(FlaskForm):
    """Extra minutes for one open timed attempt."""

    minutes = IntegerField(
        "Extra minutes (1 to 480)",
        validators=[InputRequired(message="Give the number of minutes.")],
    )
    reason = StringField(
        "Reason (kept in the audit log)",
        validators=[DataRequired(message="Give the reason."), Length(max=500)],
    )
    confirm = BooleanField(
        "I confirm the extension of this attempt",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Extend the deadline")
