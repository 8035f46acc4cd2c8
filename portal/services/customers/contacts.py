"""Contacts: create, update, primary handling, deactivate, delete.

Rules: the email is unique among contacts (case-insensitive); a customer with contacts has
exactly one primary contact (the first contact becomes primary; the primary cannot be
deactivated - make another contact primary first; deleting the primary promotes the oldest other
active contact, and is refused while other contacts exist but none is active); the primary
contact has every portal permission.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import CONTACT_PERMISSIONS, Contact, Customer
from portal.services.customers import keywords
from portal.services.errors import ValidationError
from portal.services.identity import sessions
from portal.services.platform import validation
from portal.services.platform.validation import Errors


def _email_taken(email: str, contact_id: int | None) -> bool:
    stmt = select(Contact.id).where(Contact.email == email)
    if contact_id is not None:
        stmt = stmt.where(Contact.id != contact_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _apply(contact: Contact, data: Mapping[str, Any], errors: Errors, creating: bool) -> None:
    def given(key: str) -> bool:
        return creating or key in data

    for key in ("first_name", "last_name"):
        if given(key):
            value = validation.text(data, key, errors, required=True, max_length=120)
            if value is not None:
                setattr(contact, key, value)
    if given("email"):
        email = validation.email(data, "email", errors)
        if email is not None:
            if _email_taken(email, contact.id):
                errors.add("email", _("Another contact already uses this email address."))
            else:
                contact.email = email
    for key, max_length in (("phone", 64), ("mobile", 64), ("fax", 64), ("position", 120)):
        if key in data:
            setattr(contact, key, validation.text(data, key, errors, max_length=max_length))
    if "keywords" in data:
        names = keywords.parse(data["keywords"], errors)
        if names is not None:
            contact.keywords = keywords.resolve(names)
    if "language" in data:
        contact.language = validation.language(data, "language", errors)
    if "permissions" in data:
        perms = data["permissions"]
        if not isinstance(perms, list | tuple | set) or not set(perms) <= set(CONTACT_PERMISSIONS):
            errors.add("permissions", _("Choose permissions from the list."))
        else:
            contact.permissions = list(perms)
    if "is_active" in data:
        contact.is_active = validation.boolean(data, "is_active", errors, True)


def create_contact(customer: Customer, data: Mapping[str, Any]) -> Contact:
    """Adds a contact to ``customer``. The customer's first contact becomes its primary contact;
    ``is_primary: True`` in ``data`` makes the new one primary instead of the current one."""
    contact = Contact(
        is_active=True,
        is_primary=False,
        can_invoices=True,
        can_estimates=True,
        can_tickets=True,
        can_company=False,
        can_documents=True,
    )
    errors = Errors()
    with db.session.no_autoflush:
        _apply(contact, data, errors, creating=True)
        make_primary = validation.boolean(data, "is_primary", errors, False)
    errors.raise_if_any()
    has_primary = db.session.scalar(
        select(Contact.id).where(Contact.customer_id == customer.id, Contact.is_primary)
    )
    contact.customer = customer
    db.session.add(contact)
    db.session.flush()
    if make_primary or has_primary is None:
        set_primary(contact)
    return contact


def update_contact(contact: Contact, data: Mapping[str, Any]) -> Contact:
    errors = Errors()
    was_active = contact.is_active
    with db.session.no_autoflush:
        _apply(contact, data, errors, creating=False)
        make_primary = (
            validation.boolean(data, "is_primary", errors, False) if "is_primary" in data else None
        )
        # Read inside no_autoflush: a refused change must not reach the database.
        was_primary, active = contact.is_primary, contact.is_active
    if errors.fields:
        db.session.expire(contact)
        errors.raise_if_any()
    if was_primary and not active:
        db.session.expire(contact)
        raise ValidationError(
            _("The primary contact cannot be deactivated. Make another contact primary first."),
            fields={"is_active": _("Make another contact primary first.")},
        )
    if make_primary is False and was_primary:
        db.session.expire(contact)
        raise ValidationError(
            _("A customer needs a primary contact. Make another contact primary instead."),
            fields={"is_primary": _("Make another contact primary instead.")},
        )
    db.session.flush()
    if was_active and not contact.is_active:
        sessions.end_all(contact)  # a deactivated contact is signed out on every device
    if make_primary:
        set_primary(contact)
    return contact


def set_primary(contact: Contact) -> None:
    """Makes ``contact`` the one primary contact of its customer (and active)."""
    if not contact.is_active:
        raise ValidationError(
            _("An inactive contact cannot be the primary contact."),
            fields={"is_primary": _("Activate the contact first.")},
        )
    # Clear the old primary first (and flush): the partial unique index allows one at a time.
    old = db.session.scalars(
        select(Contact).where(
            Contact.customer_id == contact.customer_id,
            Contact.is_primary,
            Contact.id != contact.id,
        )
    )
    for other in old:
        other.is_primary = False
    db.session.flush()
    contact.is_primary = True
    db.session.flush()


def delete_contact(contact: Contact) -> None:
    """Deletes a contact; past tickets keep their messages and show "Deleted contact".
    Deleting the primary contact promotes the oldest other active contact; it is refused while
    other contacts exist but none of them is active (a customer with contacts keeps a primary)."""
    customer_id, was_primary = contact.customer_id, contact.is_primary
    if was_primary:
        others = db.session.execute(
            select(Contact.id, Contact.is_active).where(
                Contact.customer_id == customer_id, Contact.id != contact.id
            )
        ).all()
        if others and not any(active for _id, active in others):
            raise ValidationError(
                _(
                    "The primary contact cannot be deleted while the other contacts are all "
                    "inactive. Activate another contact and make it primary first."
                ),
                fields={"is_primary": _("Make another contact primary first.")},
            )
    db.session.delete(contact)
    db.session.flush()
    if was_primary:
        successor = db.session.scalar(
            select(Contact)
            .where(Contact.customer_id == customer_id, Contact.is_active)
            .order_by(Contact.id)
            .limit(1)
        )
        if successor is not None:
            set_primary(successor)


def find_by_email(email: str) -> Contact | None:
    return db.session.scalar(select(Contact).where(Contact.email == email.strip().lower()))


def with_keywords(customer_id: int) -> list[Contact]:
    """A customer's contacts with their keywords loaded (two statements, any number)."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .options(selectinload(Contact.keywords))
        )
    )
