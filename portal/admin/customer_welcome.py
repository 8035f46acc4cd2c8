"""The first contact of a new customer, given on the full "New customer" form or in quick create,
and the welcome email with a set-password link sent to it when staff tick the option (counted
against the welcome limit per address, like a welcome sent from the card)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.auth import permission_required
from portal.models import Customer
from portal.services.customers import contacts
from portal.services.errors import ValidationError
from portal.services.platform import email
from portal.web.limits import spend_welcome


def first_contact(
    customer: Customer,
    first_name: str | None,
    last_name: str | None,
    address: str | None,
    *,
    welcome: bool,
    prefix: str = "",
) -> str | None:
    """Adds the contact when any of its fields is given, and queues the welcome email when
    ``welcome``; returns the message to show about it. Errors name the form's fields
    (``prefix`` + ``first_name``, ``last_name``, ``email``); a welcome without an email is
    refused."""
    if welcome and not (address or "").strip():
        message = _("Give the contact's email to send a welcome email.")
        raise ValidationError(message, fields={f"{prefix}email": message})
    if not any((first_name, last_name, address)):
        return None
    try:
        contact = contacts.create_contact(
            customer,
            {"first_name": first_name or "", "last_name": last_name or "", "email": address or ""},
        )
    except ValidationError as exc:
        fields = {f"{prefix}{name}": message for name, message in exc.fields.items()}
        raise ValidationError(exc.message, fields=fields) from None
    if not welcome:
        return None
    spend_welcome(contact.email)
    email.queue_welcome(contact)
    return _("A welcome email is on its way to %(email)s.", email=contact.email)


@bp.get("/customers/quick")
@permission_required("customers.create")
def customer_quick_page() -> ResponseReturnValue:
    """Quick create on a page of its own: what the top bar's link opens from anywhere."""
    return render_template("admin/customers/quick.html")
