"""Forms for signing in and for the user's own account."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from conference.web.forms import FlaskForm


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your password"), Length(max=128)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        description="The 6-digit code the app shows now",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the 6-digit code"), Length(max=12)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="12 characters or more, without your name or email address. A few unrelated "
        "words are easy to remember and hard to guess.",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired("Enter the new password again"),
            EqualTo("password", "The passwords do not match"),
        ],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your current password")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the password before a sensitive change."""

    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your password")],
    )
    submit = SubmitField("Turn off two-step verification", widget=GovSubmitInput())
