"""Admin forms. Field shapes only: the business rules live in the services, whose field errors
the views put next to these fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role_id = SelectField(_l("Role"), coerce=int, validate_choice=True)
    language = SelectField(_l("Language"), validate_choice=True)
    send_link = BooleanField(_l("Email a link to choose a password"), default=True)


class RoleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=255)])


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of the admin"), validate_choice=True)


class SettingsForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[Length(max=255)])
    company_address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    company_vat_number = StringField(_l("VAT number"), validators=[Optional(), Length(max=64)])
    company_email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    company_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    logo = FileField(_l("Logo (PNG, JPEG, WebP or GIF, at most 2 MB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))
    invoice_prefix = StringField(_l("Invoice number prefix"), validators=[Length(max=12)])
    estimate_prefix = StringField(_l("Estimate number prefix"), validators=[Length(max=12)])
    credit_note_prefix = StringField(_l("Credit note number prefix"), validators=[Length(max=12)])
    customer_prefix = StringField(_l("Customer number prefix"), validators=[Length(max=12)])
    registration_enabled = BooleanField(_l("Clients may register in the portal"))
    registration_mode = SelectField(_l("Registration in the portal"), validate_choice=False)
    default_language = SelectField(_l("Default language"), validate_choice=True)
    require_staff_2fa = BooleanField(_l("Require two-factor sign-in for all staff"))
    online_payment_minimum = StringField(
        _l("Smallest part payment online"), validators=[Length(max=20)]
    )


class AssignAdminForm(FlaskForm):
    staff_id = SelectField(_l("Staff member"), coerce=int, validate_choice=True)
