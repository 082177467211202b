"""Forms of the LTI pages: every change is a POST with a CSRF token; bad input gets a field
error and changes nothing."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.errors import ValidationFailed
from app.i18n import lazy_gettext as _l
from app.lti.services import PlatformFields, check_origin, check_url

MAX_LINES = 20


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _one_line(form: Any, field: Any) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
        raise ValidationError(_l("One line of text, without control characters."))


def _url(form: Any, field: Any) -> None:
    try:
        check_url(field.name, field.data or "")
    except ValidationFailed:
        raise ValidationError(
            _l("An https:// address is required (http:// only on this machine, for tests).")
        ) from None


def _deployments(form: Any, field: Any) -> None:
    lines = _lines(field.data)
    if not lines:
        raise ValidationError(_l("At least one deployment id, one per line."))
    if len(lines) > MAX_LINES or any(len(d) > 255 or not d.isprintable() for d in lines):
        raise ValidationError(_l("At most 20 deployment ids of up to 255 characters each."))


def _ancestors(form: Any, field: Any) -> None:
    lines = _lines(field.data)
    if len(lines) > MAX_LINES:
        raise ValidationError(_l("At most 20 origins."))
    for line in lines:
        try:
            check_origin(field.name, line)
        except ValidationFailed:
            raise ValidationError(
                _l("%(value)s is not an origin such as https://lms.example.org.", value=line[:80])
            ) from None


class PlatformForm(FlaskForm):
    """A platform's registration: what the LMS shows in its tool settings."""

    name = StringField(_l("Name"), [DataRequired(), Length(max=200), _one_line])
    issuer = StringField(
        _l("Issuer (platform id)"),
        [DataRequired(), Length(max=500), _url],
        description=_l("Moodle: Platform ID. Canvas: https://canvas.instructure.com."),
    )
    client_id = StringField(_l("Client id"), [DataRequired(), Length(max=200), _one_line])
    deployment_ids = TextAreaField(
        _l("Deployment ids"), [Length(max=6000), _deployments], description=_l("One per line.")
    )
    keyset_url = StringField(_l("Public keyset URL"), [DataRequired(), Length(max=1000), _url])
    auth_login_url = StringField(
        _l("Authentication request URL"), [DataRequired(), Length(max=1000), _url]
    )
    auth_token_url = StringField(_l("Access token URL"), [DataRequired(), Length(max=1000), _url])
    frame_ancestors = TextAreaField(
        _l("Origins allowed to frame the tool"),
        [Length(max=6000), _ancestors],
        description=_l("One per line; empty: the issuer's origin."),
    )
    submit = SubmitField(_l("Save"))

    def fields(self) -> PlatformFields:
        return PlatformFields(
            name=self.name.data or "",
            issuer=self.issuer.data or "",
            client_id=self.client_id.data or "",
            keyset_url=self.keyset_url.data or "",
            auth_login_url=self.auth_login_url.data or "",
            auth_token_url=self.auth_token_url.data or "",
            deployment_ids=_lines(self.deployment_ids.data),
            frame_ancestors=_lines(self.frame_ancestors.data),
        )

    def fill(self, platform: Any) -> None:
        for name in ("name", "issuer", "client_id", "keyset_url"):
            getattr(self, name).data = getattr(platform, name)
        self.auth_login_url.data = platform.auth_login_url
        self.auth_token_url.data = platform.auth_token_url
        self.deployment_ids.data = "\n".join(platform.deployment_ids)
        self.frame_ancestors.data = "\n".join(platform.frame_ancestors)


class ConfirmForm(FlaskForm):
    """A consequential button (disable, enable, rotate the key): the box must be ticked."""

    confirm = BooleanField(_l("I confirm"), [DataRequired()])
    submit = SubmitField(_l("Confirm"))


class ActionForm(FlaskForm):
    """A button with a CSRF token (resend)."""

    submit = SubmitField(_l("Resend"))


class RosterForm(FlaskForm):
    """Which cohort the course's learners join."""

    cohort = SelectField(_l("Cohort"), [DataRequired()], coerce=str, choices=[])
    submit = SubmitField(_l("Pull roster"))
