"""WTForms for registration, login, profile, password change and tokens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.auth.jurisdictions import JURISDICTIONS
from app.i18n import LOCALE_NAMES, SUPPORTED_LOCALES, time_zone_names
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.jurisdictions.professions import PROFESSIONS

PASSWORD_HELP = _l(
    "At least 12 characters. A few unrelated words make a strong, memorable password."
)


PROFESSION_CHOICES = [SelectChoice("", _l("Choose your profession"))] + [
    SelectChoice(pid, label) for pid, label in PROFESSIONS.items()
]

JURISDICTION_CHOICES = [SelectChoice("", _l("Choose your jurisdiction"))] + [
    SelectChoice(j, j) for j in JURISDICTIONS
]


class RegisterForm(FlaskForm):
    """Step 1: the address only; the link mailed to it leads to :class:`AccountSetupForm`."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class AccountSetupForm(FlaskForm):
    """Step 2 of registration, and accepting an invitation: name, password, profile, terms.
    (The profile is required of trainees: ``app/auth/accounts.py`` checks it.)"""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    profession = SelectField(
        _l("Profession"), choices=PROFESSION_CHOICES, default="", validate_choice=True
    )
    licensed_since = DateField(
        _l("First licensed on"),
        validators=[Optional()],
        description=_l("Optional: some jurisdictions ask for years of practice."),
    )
    licence_number = StringField(_l("Licence number"), validators=[Optional(), Length(max=100)])
    jurisdiction = SelectField(
        _l("Jurisdiction"), choices=JURISDICTION_CHOICES, default="", validate_choice=True
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=128)], description=PASSWORD_HELP
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    accept_terms = BooleanField(_l("I accept the terms of use"))
    submit = SubmitField(_l("Create account"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    new = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=128)], description=PASSWORD_HELP
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Set password"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ReauthForm(FlaskForm):
    """The password again, before a destructive admin action (``app/auth/reauth.py``)."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()
    submit = SubmitField(_l("Continue"))


def locale_choices() -> list[SelectChoice]:
    """The interface languages, each named in itself; "" follows the browser."""
    return [SelectChoice("", _("Follow my browser"))] + [
        SelectChoice(code, LOCALE_NAMES[code]) for code in SUPPORTED_LOCALES
    ]


def time_zone_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("Follow my browser"))] + [
        SelectChoice(zone, zone.replace("_", " ")) for zone in time_zone_names()
    ]


def jurisdiction_choices(current: str = "") -> list[SelectChoice]:
    """The list, plus the account's current value when it predates the list (kept as is)."""
    extra = [SelectChoice(current, current)] if current and current not in JURISDICTIONS else []
    return [*JURISDICTION_CHOICES, *extra]


class ProfileForm(FlaskForm):
    """The route sets ``jurisdiction.choices`` with :func:`jurisdiction_choices`."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    profession = SelectField(
        _l("Profession"), choices=PROFESSION_CHOICES, default="", validate_choice=True
    )
    licensed_since = DateField(
        _l("First licensed on"),
        validators=[Optional()],
        description=_l("Optional: some jurisdictions ask for years of practice."),
    )
    licence_number = StringField(_l("Licence number"), validators=[Optional(), Length(max=100)])
    jurisdiction = SelectField(
        _l("Jurisdiction"), choices=JURISDICTION_CHOICES, default="", validate_choice=True
    )
    locale = SelectField(
        _l("Interface language"), choices=locale_choices, default="", validate_choice=True
    )
    time_zone = SelectField(
        _l("Time zone"),
        choices=time_zone_choices,
        default="",
        validate_choice=True,
        description=_l("Dates and times are shown in this zone."),
    )
    submit = SubmitField(_l("Save profile"))


class LanguageForm(FlaskForm):
    """The footer's language switcher (``_language_switcher.html``)."""

    locale = SelectField(_l("Language"), choices=locale_choices, validate_choice=True)
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    new = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=128)], description=PASSWORD_HELP
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Create token"))


class EmptyForm(FlaskForm):
    """A form carrying only the CSRF token (log out, revoke)."""

    submit = SubmitField(_l("Submit"))
