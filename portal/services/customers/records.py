"""What hangs off a customer card: additional addresses, internal notes and the activity feed.
(The revenue report lives with the other reports in ``portal.services.dashboards.reports``.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditLog,
    Contact,
    Customer,
    CustomerAddress,
    Note,
    Staff,
)
from portal.services.platform import validation
from portal.services.platform.validation import Errors

# -- addresses ------------------------------------------------------------------------------


def save_address(
    customer: Customer, address: CustomerAddress | None, data: Mapping[str, Any]
) -> CustomerAddress:
    """Adds or changes an additional address; ``is_headquarters`` moves the headquarters. The
    customer's first address becomes its headquarters."""
    first = address is None and not db.session.scalar(
        select(CustomerAddress.id).where(CustomerAddress.customer_id == customer.id).limit(1)
    )
    address = address or CustomerAddress(customer_id=customer.id, is_headquarters=False)
    errors = Errors()
    with db.session.no_autoflush:
        label = validation.text(data, "label", errors, required=True, max_length=120)
        if label is not None:
            address.label = label
        for key, length in (("street", 255), ("city", 120), ("zip", 32), ("state", 120)):
            if key in data:
                setattr(address, key, validation.text(data, key, errors, max_length=length))
        if "country" in data:
            address.country = validation.country(data, "country", errors)
        headquarters = validation.boolean(data, "is_headquarters", errors, False) or first
    if errors.fields:
        if address.id is not None:
            db.session.expire(address)
        errors.raise_if_any()
    db.session.add(address)
    db.session.flush()
    if headquarters:
        set_headquarters(address)
    elif address.is_headquarters and "is_headquarters" in data:
        address.is_headquarters = False
        db.session.flush()
    return address


def set_headquarters(address: CustomerAddress) -> None:
    """Makes ``address`` the customer's one headquarters (the old one stops being it)."""
    for other in db.session.scalars(
        select(CustomerAddress).where(
            CustomerAddress.customer_id == address.customer_id,
            CustomerAddress.is_headquarters,
            CustomerAddress.id != address.id,
        )
    ):
        other.is_headquarters = False
    db.session.flush()
    address.is_headquarters = True
    db.session.flush()


def delete_address(address: CustomerAddress) -> None:
    db.session.delete(address)
    db.session.flush()


# -- notes ----------------------------------------------------------------------------------


def add_note(customer: Customer, staff: Staff, data: Mapping[str, Any]) -> Note:
    errors = Errors()
    body = validation.text(data, "body", errors, required=True, max_length=10000)
    errors.raise_if_any()
    note = Note(customer_id=customer.id, staff_id=staff.id, body=body)
    db.session.add(note)
    db.session.flush()
    return note


def notes(customer_id: int) -> list[Note]:
    return list(
        db.session.scalars(
            select(Note)
            .where(Note.customer_id == customer_id)
            .order_by(Note.created_at.desc(), Note.id.desc())
        )
    )


def delete_note(note: Note) -> None:
    db.session.delete(note)
    db.session.flush()


# -- activity -------------------------------------------------------------------------------


def actor_names(refs: Iterable[str | None]) -> dict[str, str]:
    """Display names of actor references (``staff:3``, ``contact:7``, ``api:2``, ``system``) as
    the ``created_by`` and ``updated_by`` columns hold them: one query per kind of actor."""
    ids: dict[str, set[int]] = {"staff": set(), "contact": set()}
    for ref in filter(None, refs):
        kind, _sep, number = ref.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    names = (
        {
            f"staff:{pk}": name
            for pk, name in db.session.execute(
                select(Staff.id, Staff.name).where(Staff.id.in_(ids["staff"]))
            )
        }
        if ids["staff"]
        else {}
    )
    if ids["contact"]:
        for contact in db.session.scalars(select(Contact).where(Contact.id.in_(ids["contact"]))):
            names[f"contact:{contact.id}"] = contact.full_name
    return names


def activity(customer_id: int, limit: int = 100) -> list[AuditLog]:
    """The audit log of the customer and everything attached to it, newest first."""
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.customer_id == customer_id)
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
            .limit(limit)
        )
    )
