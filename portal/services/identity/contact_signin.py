"""Contact sign-in."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact
from portal.services.identity import passwords


def authenticate_contact(email: str, password: str) -> Contact | None:
    """The contact with these credentials that may sign in, or ``None`` (same cost either way).
    Inactive contacts and contacts of inactive customers may not."""
    contact = db.session.scalar(select(Contact).where(Contact.email == email.strip().lower()))
    ok = passwords.verify(contact.password_hash if contact else None, password)
    if not ok or contact is None or not contact.is_active or not contact.customer.is_active:
        return None
    if passwords.needs_rehash(contact.password_hash or ""):
        contact.password_hash = passwords.hash_password(password)
    return contact
