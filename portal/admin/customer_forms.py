"""Forms of the customer base pages (field shapes only; the services hold the rules)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

ADDRESS_PARTS = ("street", "zip", "city", "state", "country")


class CustomerForm(FlaskForm):
    # Required-ness is checked by the service, so every field's problem shows at once.
    company_name = StringField(_l("Company name"), validators=[Length(max=255)])
    number = StringField(_l("Customer number"), validators=[Optional(), Length(max=32)])
    vat_number = StringField(_l("VAT number"), validators=[Optional(), Length(max=64)])
    business_id = StringField(_l("Business ID"), validators=[Optional(), Length(max=32)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255)])
    email = EmailField(_l("Company email"), validators=[Optional(), Length(max=254)])
    # Checked by the service (an active staff member, a name from the lists in Setup), so a
    # member deactivated or a name removed meanwhile gets the service's message at the field.
    account_owner_id = SelectField(_l("Account owner"), validate_choice=False)
    industry = SelectField(_l("Industry"), validate_choice=False)
    market_segment = SelectField(_l("Market segment"), validate_choice=False)
    billing_street = StringField(_l("Street"), validators=[Optional(), Length(max=255)])
    billing_zip = StringField(_l("Postal code"), validators=[Optional(), Length(max=32)])
    billing_city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    billing_state = StringField(_l("State or region"), validators=[Optional(), Length(max=120)])
    billing_country = StringField(_l("Country code"), validators=[Optional(), Length(max=2)])
    shipping_street = StringField(_l("Street"), validators=[Optional(), Length(max=255)])
    shipping_zip = StringField(_l("Postal code"), validators=[Optional(), Length(max=32)])
    shipping_city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    shipping_state = StringField(_l("State or region"), validators=[Optional(), Length(max=120)])
    shipping_country = StringField(_l("Country code"), validators=[Optional(), Length(max=2)])
    currency = SelectField(_l("Currency"), validate_choice=True)
    language = SelectField(_l("Language"), validate_choice=True)
    groups = SelectMultipleField(_l("Groups"), coerce=int, validate_choice=True)
    tax_class_id = SelectField(_l("Tax class"), validate_choice=True)
    invoice_fields_text = StringField(
        _l("Custom invoice fields (comma separated, e.g. PO number)"),
        validators=[Optional(), Length(max=500)],
    )
    remarks = TextAreaField(_l("Internal remarks"), validators=[Optional(), Length(max=10000)])
    #: On create only: the first contact and the welcome email (:mod:`.customer_welcome`).
    contact_first_name = StringField(_l("First name"), validators=[Optional(), Length(max=120)])
    contact_last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=120)])
    contact_email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    send_welcome = BooleanField(_l("Send a welcome email with a link to choose a password"))

    def service_data(self, creating: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: (getattr(self, name).data or "")
            for name in (
                "company_name",
                "vat_number",
                "business_id",
                "phone",
                "website",
                "email",
                "account_owner_id",
                "industry",
                "market_segment",
                "remarks",
                "currency",
                "language",
                *(f"billing_{p}" for p in ADDRESS_PARTS),
                *(f"shipping_{p}" for p in ADDRESS_PARTS),
            )
        }
        data["groups"] = list(self.groups.data or [])
        data["tax_class_id"] = self.tax_class_id.data or None
        data["invoice_fields"] = [
            f.strip() for f in (self.invoice_fields_text.data or "").split(",") if f.strip()
        ]
        if creating and self.number.data:
            data["number"] = self.number.data
        return data


class QuickCustomerForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=255)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=120)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    send_welcome = BooleanField(_l("Send a welcome email with a link to choose a password"))


class ContactForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=120)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=64)])
    fax = StringField(_l("Fax"), validators=[Optional(), Length(max=64)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    keywords_text = StringField(
        _l("Keywords and roles (comma separated)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"list": "keyword-suggestions"},
    )
    language = SelectField(_l("Language"), validate_choice=True)
    perm_invoices = BooleanField(_l("Invoices"))
    perm_estimates = BooleanField(_l("Estimates"))
    perm_tickets = BooleanField(_l("Support tickets"))
    perm_company = BooleanField(_l("Company profile"))
    perm_documents = BooleanField(_l("Documents"))
    is_primary = BooleanField(_l("Primary contact"))
    send_welcome = BooleanField(_l("Send a welcome email with a link to choose a password"))

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(self, name).data or ""
            for name in (
                "first_name",
                "last_name",
                "email",
                "phone",
                "mobile",
                "fax",
                "position",
                "language",
            )
        }
        data["keywords"] = self.keywords_text.data or ""
        data["permissions"] = [
            p
            for p in ("invoices", "estimates", "tickets", "company", "documents")
            if getattr(self, f"perm_{p}").data
        ]
        data["is_primary"] = bool(self.is_primary.data)
        return data


class AddressForm(FlaskForm):
    label = StringField(_l("Name of the address"), validators=[DataRequired(), Length(max=120)])
    street = StringField(_l("Street"), validators=[Optional(), Length(max=255)])
    zip = StringField(_l("Postal code"), validators=[Optional(), Length(max=32)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    state = StringField(_l("State or region"), validators=[Optional(), Length(max=120)])
    country = StringField(_l("Country code"), validators=[Optional(), Length(max=2)])
    is_headquarters = BooleanField(_l("Headquarters"))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=10000)])


class NameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class CurrencyForm(FlaskForm):
    code = StringField(_l("ISO code"), validators=[DataRequired(), Length(max=3)])
    symbol = StringField(_l("Symbol"), validators=[DataRequired(), Length(max=8)])
    decimal_places = IntegerField(_l("Decimal places"), validators=[Optional()])
    is_default = BooleanField(_l("Default currency"))


class TaxRateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    percent = StringField(_l("Percent"), validators=[DataRequired(), Length(max=12)])


class TaxClassForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    default_tax_rate_id = SelectField(_l("Default tax rate"), validate_choice=True)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))


class BulkForm(FlaskForm):
    action = SelectField(_l("With the selected customers"), validate_choice=True)
    group_id = SelectField(_l("Group"), validate_choice=False)
