"""Regrade forms: the dry run is a GET; applying is a POST with the dry run's digest and a
ticked confirmation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.i18n import lazy_gettext as _l
from app.regrade.services import KEY_MAX


class ApplyRegradeForm(FlaskForm):
    question = HiddenField(validators=[DataRequired(), Length(max=KEY_MAX)])
    digest = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    confirm = BooleanField(
        _l("I have checked every change above; apply them and tell the trainees"),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Apply the regrade"))


class ClearFlagForm(FlaskForm):
    note = StringField(
        _l("Why the completion stands (kept in the audit log)"),
        validators=[DataRequired(), Length(max=500)],
    )
    submit = SubmitField(_l("Keep the completion"))
