"""Portal forms: field shapes only. The rules live in
:mod:`portal.services.identity.contact_accounts`, whose field errors the views put next to
these fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import LANGUAGES
from portal.models import CONTACT_PERMISSIONS


def permission_labels() -> dict[str, str]:
    return {
        "invoices": _l("Invoices"),
        "estimates": _l("Estimates"),
        "tickets": _l("Support tickets"),
        "company": _l("Company profile and contacts"),
        "documents": _l("Documents"),
    }


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RegisterForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=255)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=120)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])


class LanguageSwitchForm(FlaskForm):
    language = SelectField(_l("Language"), validate_choice=True)
    next = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = list(LANGUAGES.items())


class ProfileForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=120)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    language = SelectField(_l("Language"), validate_choice=True, default="")


class CompanyForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=255)])
    vat_number = StringField(_l("VAT number"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255)])
    billing_street = StringField(_l("Street"), validators=[Optional(), Length(max=255)])
    billing_zip = StringField(_l("Postal code"), validators=[Optional(), Length(max=32)])
    billing_city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    billing_state = StringField(_l("State or region"), validators=[Optional(), Length(max=120)])
    billing_country = StringField(
        _l("Country (two-letter code)"), validators=[Optional(), Length(max=2)]
    )
    shipping_street = StringField(_l("Street"), validators=[Optional(), Length(max=255)])
    shipping_zip = StringField(_l("Postal code"), validators=[Optional(), Length(max=32)])
    shipping_city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    shipping_state = StringField(_l("State or region"), validators=[Optional(), Length(max=120)])
    shipping_country = StringField(
        _l("Country (two-letter code)"), validators=[Optional(), Length(max=2)]
    )


class InviteForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=120)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    language = SelectField(_l("Language"), validate_choice=True, default="")
    permissions = MultiCheckboxField(_l("May use"), choices=[], validate_choice=False)


class MemberForm(FlaskForm):
    permissions = MultiCheckboxField(_l("May use"), choices=[], validate_choice=False)


class MemberActiveForm(FlaskForm):
    active = BooleanField()


def set_permission_choices(field: MultiCheckboxField, allowed: list[str]) -> None:
    labels = permission_labels()
    field.choices = [(p, labels[p]) for p in CONTACT_PERMISSIONS if p in allowed]
