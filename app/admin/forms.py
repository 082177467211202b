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
from app.i18n import lazy_gettext as _l
from app.input_guard import NumberRange


class ActionForm(FlaskForm):
    """A button with a CSRF token (approve, re-issue, deactivate)."""

    submit = SubmitField(_l("Confirm"))


def _confirm(label: object = None) -> BooleanField:
    """The box every consequential admin action needs ticked (unticked: nothing changes)."""
    return BooleanField(label or _l("I confirm"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A button with a required confirmation box (re-issue, deactivate, reactivate)."""

    confirm = _confirm()
    submit = SubmitField(_l("Confirm"))


class ApproveForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Length(max=2000)])
    confirm = _confirm(_l("I confirm the approval"))
    submit = SubmitField(_l("Approve and issue"))


class RejectForm(FlaskForm):
    note = TextAreaField(
        _l("Reason (the trainee sees it)"), validators=[DataRequired(), Length(max=2000)]
    )
    confirm = _confirm(_l("I confirm the rejection"))
    submit = SubmitField(_l("Reject"))


class RevokeForm(FlaskForm):
    reason = StringField(
        _l("Reason (shown on the public verification page)"),
        validators=[DataRequired(), Length(max=500)],
    )
    confirm = _confirm(_l("I confirm the revocation"))
    submit = SubmitField(_l("Revoke"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    confirm = _confirm(_l("I confirm the role change"))
    submit = SubmitField(_l("Change role"))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    submit = SubmitField(_l("Send invitation"))


class SiteSettingsForm(FlaskForm):
    registration_open = BooleanField(_l("Open registration: anyone may create a trainee account"))
    submit = SubmitField(_l("Save settings"))


# The other groups of /admin/settings, one form each (a prefix keeps their fields apart on the
# page). An empty text field means "the environment's value"; the service checks the values.
EMPTY_USES_ENVIRONMENT = "Leave empty to use the environment's value ({env})."


class CertificateSettingsForm(FlaskForm):
    organisation = StringField(
        _l("Organisation (printed on certificates, signed into new credentials)"),
        validators=[Length(max=200)],
    )
    signatory = StringField(
        _l("Signatory (name and title printed on certificates)"), validators=[Length(max=200)]
    )
    confirm = _confirm(_l("I confirm: certificates issued from now on carry these"))
    submit = SubmitField(_l("Save organisation and signatory"))


class ExamSettingsForm(FlaskForm):
    grace_seconds = IntegerField(
        _l("Grace after a timed attempt's deadline, in seconds (0 to 3600)"),
        validators=[Optional(), NumberRange(min=0, max=3600)],
    )
    confirm = _confirm(_l("I confirm: open attempts use this grace from now on"))
    submit = SubmitField(_l("Save the grace"))


class MailSettingsForm(FlaskForm):
    sender = StringField(
        _l("Sender (From), as Name <address@domain>"), validators=[Length(max=300)]
    )
    confirm = _confirm(_l("I confirm: every mail is sent from this address from now on"))
    submit = SubmitField(_l("Save the sender"))


class BrandingImageForm(FlaskForm):
    image = FileField(_l("PNG or JPEG image"), validators=[FileRequired("Choose an image file.")])
    confirm = _confirm(_l("I confirm the new image"))
    submit = SubmitField(_l("Upload"))


class RemoveImageForm(FlaskForm):
    confirm = _confirm(_l("I confirm the removal"))
    submit = SubmitField(_l("Remove"))


class ApplyRuleChangeForm(FlaskForm):
    """Applying a rule change needs the box ticked: the administrator confirms the diff."""

    confirm = BooleanField(
        _l("I have checked each value before and after"), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Apply the change"))


class RejectRuleChangeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the proposer sees it)"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Reject"))


class AccommodationForm(FlaskForm):
    """A trainee's accommodation; the service checks the ranges (factor 1-4, attempts 0-10)."""

    time_factor = FloatField(
        _l("Time factor (× the time limit of timed exams, 1 to 4)"),
        validators=[InputRequired(message=_l("Give the time factor (1 for none)."))],
    )
    extra_attempts = IntegerField(
        _l("Extra attempts per exam module (0 to 10)"),
        validators=[InputRequired(message=_l("Give the extra attempts (0 for none)."))],
    )
    reason = TextAreaField(
        _l("Reason (kept in the record and the audit log; not mailed)"),
        validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)],
    )
    confirm = BooleanField(
        _l(
            "I confirm this accommodation: it applies from the trainee's next attempt, and the "
            "trainee is mailed"
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Grant the accommodation"))


class ExtendForm(FlaskForm):
    """Extra minutes for one open timed attempt."""

    minutes = IntegerField(
        _l("Extra minutes (1 to 480)"),
        validators=[InputRequired(message=_l("Give the number of minutes."))],
    )
    reason = StringField(
        _l("Reason (kept in the audit log)"),
        validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)],
    )
    confirm = BooleanField(
        _l("I confirm the extension of this attempt"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Extend the deadline"))


class BulkApproveForm(FlaskForm):
    """Approve the ticked completions (``completion_ids``, read from the request); flagged ones
    are skipped unless ``include_flagged`` is ticked."""

    include_flagged = BooleanField(_l("Approve flagged ones too"))
    confirm = _confirm(_l("I confirm the approval of the selected completions"))
    submit = SubmitField(_l("Approve selected"))


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Actor e-mail contains"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=100)])
    subject_type = StringField(_l("Subject type"), validators=[Optional(), Length(max=50)])
    subject_id = StringField(_l("Subject id"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From (UTC date)"), validators=[Optional()])
    until = DateField(_l("Until (UTC date, inclusive)"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
