"""Password set/reset flows shared by the admin and the portal."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, Staff
from portal.services.identity import passwords, tokens
from portal.services.platform import email


def request_reset(model: type[Staff] | type[Contact], address: str) -> None:
    """Queues a reset email when an active account has this address; does nothing otherwise
    (the caller answers the same either way)."""
    user = db.session.scalar(select(model).where(model.email == address.strip().lower()))
    if user is None or not user.is_active:
        # Same work as the real path, so timing does not reveal whether the address exists.
        passwords.verify(None, address)
        return
    if isinstance(user, Contact) and not user.customer.is_active:
        return
    email.queue_password_reset(user)


def set_password(user: Staff | Contact, password: str) -> None:
    """Stores a new password and ends every existing session of the account (which also
    invalidates every set-password/reset link made before)."""
    user.password_hash = passwords.hash_password(password)
    user.session_version += 1
    db.session.flush()


def user_for_token(
    token: str, purpose: str, kind: type[Staff] | type[Contact]
) -> Staff | Contact | None:
    max_age = tokens.WELCOME_MAX_AGE if purpose == "welcome" else tokens.RESET_MAX_AGE
    user = tokens.load_token(token, purpose, max_age)
    return user if isinstance(user, kind) else None
