"""Admin forms: every state change is a POST with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

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
