"""Forms shared by the admin and the portal (sign-in, passwords and two-factor sign-in) and
:func:`save_form`, the usual handling of a submitted form."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.i18n import LANGUAGES
from portal.services.errors import ValidationError
from portal.web.unit_of_work import show_errors


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class EmptyForm(FlaskForm):
    """For POST-only buttons (logout, delete...): just the CSRF token."""


class ConfirmPasswordForm(FlaskForm):
    """The current password, asked again before a change to the sign-in itself."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=10, max=1024, message=_l("Use at least 10 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class PasswordChangeForm(ConfirmPasswordForm, SetPasswordForm):
    """The current password and the new one, twice."""


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class TwoFactorForm(FlaskForm):
    """The second step of signing in."""

    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
    )


class EnableTwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"), validators=[DataRequired(), Length(max=20)]
    )


def save_form(
    form: FlaskForm, save: Callable[[], object], saved: str, next_endpoint: str
) -> Response | None:
    """A submitted form handled the usual way: when it is valid, ``save`` runs (a service
    call); then ``saved`` is flashed and the redirect to ``next_endpoint`` returned. ``None``
    when the form or the service refused (the errors are on ``form``, nothing is kept)."""
    if not form.validate_on_submit():
        return None
    try:
        save()
    except ValidationError as exc:
        show_errors(form, exc)
        return None
    flash(saved, "success")
    return redirect(url_for(next_endpoint))


def language_choices(empty_label: str) -> list[tuple[str, str]]:
    """The shipped languages for a select, after an empty choice labelled ``empty_label``."""
    return [("", empty_label), *LANGUAGES.items()]
