"""What a contact does with its own account and company in the portal: registration, profile,
language, the company profile, and managing the other contacts of its company. Sign-in and
passwords are shared with staff (:mod:`portal.services.identity.accounts`).

Services flush and never commit; they raise :class:`ValidationError` naming the field, after
which nothing has been written (the view rolls back). Changes are audited automatically with
the contact as the actor (see :mod:`portal.services.platform.audit`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import CONTACT_PERMISSIONS, Contact, Customer, Staff
from portal.services import customers
from portal.services.customers import contacts
from portal.services.errors import ValidationError
from portal.services.identity import accounts, registrations, sessions
from portal.services.platform import email, validation
from portal.services.platform.validation import Errors

PROFILE_FIELDS = ("first_name", "last_name", "phone", "language")
COMPANY_FIELDS = (
    "company_name",
    "vat_number",
    "phone",
    "website",
    "billing_street",
    "billing_zip",
    "billing_city",
    "billing_state",
    "billing_country",
    "shipping_street",
    "shipping_zip",
    "shipping_city",
    "shipping_state",
    "shipping_country",
)


def _pick(data: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {k: data[k] for k in keys if k in data}


# -- registration -----------------------------------------------------------------------------


def registration_open() -> bool:
    return registrations.mode() != "off"


def _staff_to_notify() -> list[Staff]:
    """Active staff who may edit customers (they can act on the new registration)."""
    members = db.session.scalars(select(Staff).where(Staff.is_active.is_(True)))
    return [m for m in members if m.has_permission("customers.edit")]


def register(data: Mapping[str, Any], locale: str) -> Contact | None:
    """Self-registration: creates the customer and its primary contact, queues the welcome
    email (its set-password link also proves the address) and notifies staff.

    When a contact already uses the email, nothing is kept and that contact gets a password
    reset email instead (when it may sign in); the caller answers the same either way, so the
    form does not reveal which addresses have accounts. Both answers also do the same work, so
    their time does not tell either: for a known email the customer, its contact and the
    emails are made with a stand-in address inside a savepoint that is then rolled back.
    Returns the new contact, or ``None``."""
    errors = Errors()
    values = {
        "company_name": validation.text(data, "company_name", errors, required=True),
        "first_name": validation.text(data, "first_name", errors, required=True, max_length=120),
        "last_name": validation.text(data, "last_name", errors, required=True, max_length=120),
        "email": validation.email(data, "email", errors),
        "phone": validation.text(data, "phone", errors, max_length=64),
    }
    errors.raise_if_any()
    address = str(values["email"])
    existing = contacts.find_by_email(address)
    if existing is not None:
        values["email"] = _stand_in(address)
    savepoint = db.session.begin_nested()
    try:
        contact = _create_registered(values, locale)
    except ValidationError:
        savepoint.rollback()
        raise
    if existing is None:
        savepoint.commit()
        return contact
    savepoint.rollback()
    if accounts.may_sign_in(existing):
        email.queue_password_reset(existing)
    return None


def _stand_in(address: str) -> str:
    """An unused address of the same domain, for work that is undone afterwards."""
    return f"{secrets.token_hex(8)}@{address.rpartition('@')[2]}"


def _create_registered(values: Mapping[str, Any], locale: str) -> Contact:
    """The customer and its primary contact of a registration, the welcome email and the
    notes to staff."""
    try:
        customer = customers.create_customer(
            {"company_name": values["company_name"], "phone": values["phone"], "language": locale}
        )
    except ValidationError as exc:
        # Only the currency can fail here (no default set up): not the visitor's fault.
        raise ValidationError(
            _("Registration is not possible at the moment. Please contact us."), fields={}
        ) from exc
    contact = contacts.create_contact(
        customer,
        {
            **{k: values[k] for k in ("first_name", "last_name", "email", "phone")},
            "is_primary": True,
        },
    )
    base = email.absolute_url("clients.index").rsplit("/clients/", 1)[0]
    link = f"{base}/admin/customers/{customer.id}"
    approval = registrations.mode() == "approval"
    if approval:
        # The welcome (set-password) email waits for a staff member's approval.
        registrations.open_request(contact, locale)
        link = f"{base}/admin/registrations"
    else:
        email.queue_welcome(contact)
    for member in _staff_to_notify():
        email.queue(
            "registration_staff",
            member.email,
            locale_of(member),
            staff=member,
            customer=customer,
            contact=contact,
            link=link,
            approval=approval,
        )
    return contact


# -- own profile ------------------------------------------------------------------------------


def update_profile(contact: Contact, data: Mapping[str, Any]) -> None:
    """Name, phone and language of the contact itself."""
    values = _pick(data, PROFILE_FIELDS)
    values["language"] = values.get("language") or None
    contacts.update_contact(contact, values)


def set_language(contact: Contact, language: str | None) -> None:
    errors = Errors()
    value = validation.language({"language": language}, "language", errors)
    errors.raise_if_any()
    if contact.language != value:
        contact.language = value
        db.session.flush()


# -- company ----------------------------------------------------------------------------------


def can_manage_company(contact: Contact) -> bool:
    """The primary contact, or a contact with the ``company`` permission."""
    return contact.may("company")


def update_company(contact: Contact, data: Mapping[str, Any]) -> Customer:
    """The company profile (name, VAT, phone, website, addresses) of the contact's customer."""
    if not can_manage_company(contact):
        raise ValidationError(_("You may not change the company profile."))
    return customers.update_customer(contact.customer, _pick(data, COMPANY_FIELDS))


# -- the other contacts of the company -------------------------------------------------------


def _check_permissions(actor: Contact, wanted: Any, errors: Errors) -> set[str] | None:
    if not isinstance(wanted, list | tuple | set) or not set(wanted) <= set(CONTACT_PERMISSIONS):
        errors.add("permissions", _("Choose permissions from the list."))
        return None
    beyond = set(wanted) - set(actor.permissions)
    if beyond:
        errors.add("permissions", _("You cannot give permissions you do not have yourself."))
        return None
    return set(wanted)


def team(actor: Contact) -> list[Contact]:
    """All contacts of the actor's company, primary first."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.customer_id == actor.customer_id)
            .order_by(Contact.is_primary.desc(), Contact.last_name, Contact.first_name)
        )
    )


def invite(actor: Contact, data: Mapping[str, Any]) -> Contact | None:
    """Adds a contact to the actor's company with at most the actor's permissions and queues
    its welcome email; returns the new contact.

    An address that a contact of another company uses gets the answer of a successful
    invitation, and nothing is kept or sent (``None``): the same work is done with a stand-in
    address inside a savepoint that is rolled back, so neither the answer nor its time tells
    which addresses other companies use. An address of one's own company is refused as
    before (the actor sees its colleagues anyway)."""
    if not can_manage_company(actor):
        raise ValidationError(_("You may not manage the contacts of your company."))
    errors = Errors()
    perms = _check_permissions(actor, data.get("permissions", []), errors)
    values = _pick(data, ("first_name", "last_name", "email", "phone", "position"))
    values["language"] = data.get("language") or None
    values["permissions"] = sorted(perms or ())
    taken = contacts.find_by_email(str(values.get("email") or ""))
    elsewhere = taken is not None and taken.customer_id != actor.customer_id
    if elsewhere:
        values["email"] = _stand_in(str(values["email"]))
    savepoint = db.session.begin_nested()
    try:
        contact = contacts.create_contact(actor.customer, values)
        errors.raise_if_any()
    except ValidationError as exc:
        savepoint.rollback()
        for field, message in errors.fields.items():
            exc.fields.setdefault(field, message)
        raise
    email.queue_welcome(contact)
    if elsewhere:
        savepoint.rollback()
        return None
    savepoint.commit()
    return contact


def _check_target(actor: Contact, target: Contact) -> None:
    if not can_manage_company(actor) or target.customer_id != actor.customer_id:
        raise ValidationError(_("You may not manage this contact."))
    if target.id == actor.id:
        raise ValidationError(_("Change your own details on your profile page."))
    if target.is_primary:
        raise ValidationError(_("The primary contact can only be changed by our staff."))


def set_member_permissions(actor: Contact, target: Contact, wanted: Any) -> None:
    """Sets ``target``'s permissions within the actor's own: a permission the actor does not
    hold can be neither given nor taken away."""
    _check_target(actor, target)
    errors = Errors()
    if not isinstance(wanted, list | tuple | set) or not set(wanted) <= set(CONTACT_PERMISSIONS):
        errors.add("permissions", _("Choose permissions from the list."))
    errors.raise_if_any()
    own = set(actor.permissions)
    if set(wanted) - own:
        message = _("You cannot give permissions you do not have yourself.")
        raise ValidationError(message, fields={"permissions": message})
    kept = set(target.permissions) - own
    target.permissions = sorted((set(wanted) & own) | kept)
    db.session.flush()


def set_member_active(actor: Contact, target: Contact, active: bool) -> None:
    """Deactivates (ending its sessions) or reactivates another contact of the company."""
    _check_target(actor, target)
    if target.is_active == active:
        return
    target.is_active = active
    if not active:
        target.session_version += 1
        sessions.end_all(target)
    db.session.flush()
