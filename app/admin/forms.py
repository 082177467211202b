"""Admin forms: every state change is a POST with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
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
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.auth.models import Role
from app.input_guard import NumberRange


class ActionForm(FlaskForm):
    """A button with a CSRF token (approve, re-issue, deactivate)."""

    submit = SubmitField("Confirm")


def _confirm(label: str = "I confirm") -> BooleanField:
    """The box every consequential admin action needs ticked (unticked: nothing changes)."""
    return BooleanField(label, validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A button with a required confirmation box (re-issue, deactivate, reactivate)."""

    confirm = _confirm()
    submit = SubmitField("Confirm")


class ApproveForm(FlaskForm):
    note = StringField("Note (optional)", validators=[Length(max=2000)])
    confirm = _confirm("I confirm the approval")
    submit = SubmitField("Approve and issue")


class RejectForm(FlaskForm):
    note = TextAreaField(
        "Reason (the trainee sees it)", validators=[DataRequired(), Length(max=2000)]
    )
    confirm = _confirm("I confirm the rejection")
    submit = SubmitField("Reject")


class RevokeForm(FlaskForm):
    reason = StringField(
        "Reason (shown on the public verification page)",
        validators=[DataRequired(), Length(max=500)],
    )
    confirm = _confirm("I confirm the revocation")
    submit = SubmitField("Revoke")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    confirm = _confirm("I confirm the role change")
    submit = SubmitField("Change role")


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    submit = SubmitField("Send invitation")


class SiteSettingsForm(FlaskForm):
    registration_open = BooleanField("Open registration: anyone may create a trainee account")
    submit = SubmitField("Save settings")


# The other groups of /admin/settings, one form each (a prefix keeps their fields apart on the
# page). An empty text field means "the environment's value"; the service checks the values.
EMPTY_USES_ENVIRONMENT = "Leave empty to use the environment's value ({env})."


class CertificateSettingsForm(FlaskForm):
    organisation = StringField(
        "Organisation (printed on certificates, signed into new credentials)",
        validators=[Length(max=200)],
    )
    signatory = StringField(
        "Signatory (name and title printed on certificates)", validators=[Length(max=200)]
    )
    confirm = _confirm("I confirm: certificates issued from now on carry these")
    submit = SubmitField("Save organisation and signatory")


class ExamSettingsForm(FlaskForm):
    grace_seconds = IntegerField(
        "Grace after a timed attempt's deadline, in seconds (0 to 3600)",
        validators=[Optional(), NumberRange(min=0, max=3600)],
    )
    confirm = _confirm("I confirm: open attempts use this grace from now on")
    submit = SubmitField("Save the grace")


class MailSettingsForm(FlaskForm):
    sender = StringField("Sender (From), as Name <address@domain>", validators=[Length(max=300)])
    confirm = _confirm("I confirm: every mail is sent from this address from now on")
    submit = SubmitField("Save the sender")


class BrandingImageForm(FlaskForm):
    image = FileField("PNG or JPEG image", validators=[FileRequired("Choose an image file.")])
    confirm = _confirm("I confirm the new image")
    submit = SubmitField("Upload")


class RemoveImageForm(FlaskForm):
    confirm = _confirm("I confirm the removal")
    submit = SubmitField("Remove")


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


class BulkApproveForm(FlaskForm):
    """Approve the ticked completions (``completion_ids``, read from the request); flagged ones
    are skipped unless ``include_flagged`` is ticked."""

    include_flagged = BooleanField("Approve flagged ones too")
    confirm = _confirm("I confirm the approval of the selected completions")
    submit = SubmitField("Approve selected")


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField("Actor e-mail contains", validators=[Optional(), Length(max=254)])
    action = StringField("Action starts with", validators=[Optional(), Length(max=100)])
    subject_type = StringField("Subject type", validators=[Optional(), Length(max=50)])
    subject_id = StringField("Subject id", validators=[Optional(), Length(max=64)])
    since = DateField("From (UTC date)", validators=[Optional()])
    until = DateField("Until (UTC date, inclusive)", validators=[Optional()])
    submit = SubmitField("Filter")
