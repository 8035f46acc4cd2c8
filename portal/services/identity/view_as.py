""" "View as contact": a staff member with ``customers.edit`` opens the portal as one contact
to see what it sees. The session stays the staff member's (marked with the contact's id); the
portal guard serves it read-only and shows a banner on every page. Start and end are written
to the audit log (on the customer's activity feed)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Contact, Staff
from portal.models.base import utcnow
from portal.services.access.staff import scope_query

SESSION_KEY = "view_as"
#: A view-as session ends by itself after this many seconds.
MAX_AGE = 2 * 3600
PERMISSION = "customers.edit"


def _audit(staff: Staff, contact: Contact, action: str) -> None:
    db.session.add(
        AuditLog(
            created_at=utcnow(),
            actor=f"staff:{staff.id}",
            actor_name=staff.name[:255],
            action=action,
            entity_type="Contact",
            entity_id=contact.id,
            customer_id=contact.customer_id,
            changes={"contact": [None, contact.email]},
        )
    )
    db.session.flush()


def viewable_contact(staff: Staff, contact_id: int) -> Contact | None:
    """The contact ``staff`` may view the portal as: one of a customer the member may see,
    active, of an active customer, and only while the member holds ``customers.edit``."""
    if not staff.is_active or not staff.has_permission(PERMISSION):
        return None
    stmt = scope_query(select(Contact).where(Contact.id == contact_id), staff, "customers", Contact)
    contact = db.session.scalar(stmt)
    if contact is None or not contact.is_active or not contact.customer.is_active:
        return None
    return contact


def start(staff: Staff, contact: Contact) -> dict[str, Any]:
    """Audits the start; returns the marker the view stores in the session."""
    _audit(staff, contact, "view_as_start")
    return {"staff": staff.id, "contact": contact.id, "at": int(time.time())}


def end(staff: Staff, contact: Contact | None) -> None:
    if contact is not None:
        _audit(staff, contact, "view_as_end")


def resolve(staff: Staff, marker: Any) -> Contact | None:
    """The contact a session's view-as marker names, if it is still valid for ``staff``."""
    if not isinstance(marker, dict) or marker.get("staff") != staff.id:
        return None
    if time.time() - int(marker.get("at") or 0) > MAX_AGE:
        return None
    contact_id = marker.get("contact")
    return viewable_contact(staff, contact_id) if isinstance(contact_id, int) else None
