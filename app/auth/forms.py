"""WTForms for registration, login, profile, password change and tokens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

PASSWORD_HELP = "At least 12 characters. A few unrelated words make a strong, memorable password."


class RegisterForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    profession = StringField("Profession", validators=[DataRequired(), Length(max=100)])
    licence_number = StringField("Licence number", validators=[DataRequired(), Length(max=100)])
    jurisdiction = StringField("Jurisdiction", validators=[DataRequired(), Length(max=100)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=128)], description=PASSWORD_HELP
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    next = HiddenField()
    submit = SubmitField("Log in")


class ProfileForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    profession = StringField("Profession", validators=[Optional(), Length(max=100)])
    licence_number = StringField("Licence number", validators=[Optional(), Length(max=100)])
    jurisdiction = StringField("Jurisdiction", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Save profile")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=128)])
    new = PasswordField(
        "New password", validators=[DataRequired(), Length(max=128)], description=PASSWORD_HELP
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new", message="The passwords do not match.")],
    )
    submit = SubmitField("Change password")


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Create token")


class EmptyForm(FlaskForm):
    """A form carrying only the CSRF token (log out, revoke)."""

    submit = SubmitField("Submit")
