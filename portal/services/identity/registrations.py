"""Registration modes and the approval queue.

``registration_mode`` is ``off``, ``open`` (the sign-up creates the customer and its primary
contact and sends the welcome email at once) or ``approval``: the sign-up creates the customer
inactive (its contact cannot sign in: no password yet, and the customer is inactive) and a
:class:`~portal.models.RegistrationRequest`; a staff member approves it (the customer becomes
active and the registrant gets an email with the set-password link) or refuses it (the
registrant gets an email saying so, and the customer and contact are deleted). Both emails go
through the outbox, in the registrant's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import REGISTRATION_STATUSES, Contact, RegistrationRequest, Staff
from portal.models.base import utcnow
from portal.services import customers
from portal.services.errors import ConflictError
from portal.services.identity import tokens
from portal.services.platform import email, settings

MODES = ("off", "open", "approval")


def mode() -> str:
    """The registration mode; before it was a choice it was on (``open``) or off."""
    value = settings.get("registration_mode")
    if value in MODES:
        return str(value)
    return "open" if settings.get("registration_enabled") else "off"


def clean_mode(value: Any) -> str | None:
    return value if value in MODES else None


def open_request(contact: Contact, locale: str) -> RegistrationRequest:
    """Keeps a new registration for approval: the customer waits inactive."""
    customer = contact.customer
    customer.is_active = False
    registration = RegistrationRequest(
        customer=customer,
        contact=contact,
        company_name=customer.company_name,
        name=contact.full_name,
        email=contact.email,
        language=locale,
        status="pending",
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def queue(status: str = "pending") -> Select[tuple[RegistrationRequest]]:
    """The requests with ``status`` (``all`` for every one), newest first."""
    stmt = select(RegistrationRequest)
    if status in REGISTRATION_STATUSES:
        stmt = stmt.where(RegistrationRequest.status == status)
    return stmt.order_by(RegistrationRequest.created_at.desc(), RegistrationRequest.id.desc())


def _decide(registration: RegistrationRequest, status: str, staff: Staff) -> None:
    if registration.status != "pending":
        raise ConflictError(
            _("This registration was already decided."), code="registration_decided"
        )
    registration.status, registration.decided_at, registration.decided_by = status, utcnow(), staff


def approve(registration: RegistrationRequest, staff: Staff) -> None:
    """Activates the customer and emails the registrant the set-password link."""
    _decide(registration, "approved", staff)
    contact = registration.contact
    if registration.customer is not None:
        customers.update_customer(registration.customer, {"is_active": True})
    db.session.flush()
    if contact is None:
        return
    token = tokens.make_token(contact, "welcome")
    email.queue(
        "registration_approved",
        contact.email,
        locale_of(contact),
        contact=contact,
        link=email.absolute_url("clients.set_password", token=token),
        valid_hours=tokens.WELCOME_MAX_AGE // 3600,
    )


def refuse(registration: RegistrationRequest, staff: Staff) -> None:
    """Emails the registrant that the registration was not accepted and deletes the customer
    and its contact (the registration stays, with the names, as the record of the decision)."""
    _decide(registration, "refused", staff)
    contact = registration.contact
    email.queue(
        "registration_refused",
        registration.email,
        locale_of(contact if contact is not None else registration),
        name=registration.name,
        company_name=registration.company_name,
    )
    customer = registration.customer
    registration.customer, registration.contact = None, None
    db.session.flush()
    if customer is not None:
        customers.delete_customer(customer)
