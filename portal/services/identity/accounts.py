"""Sign-in and passwords of both kinds of account (staff members and contacts): checking
credentials, changing a password, and the set/reset-password links."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, Staff, UserSession
from portal.services.errors import ValidationError
from portal.services.identity import passwords, sessions, tokens
from portal.services.platform import email


def may_sign_in(user: Staff | Contact) -> bool:
    """An active account (and, for a contact, of an active customer)."""
    if not user.is_active:
        return False
    return not isinstance(user, Contact) or user.customer.is_active


def authenticate(
    model: type[Staff] | type[Contact], address: str, password: str
) -> Staff | Contact | None:
    """The account of ``model`` with these credentials that may sign in, or ``None`` (same cost
    either way). A hash made with older parameters is upgraded (the caller commits)."""
    user = db.session.scalar(select(model).where(model.email == address.strip().lower()))
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not may_sign_in(user):
        return None
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    return user


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < passwords.MIN_LENGTH:
        message = _("Use at least %(n)d characters.", n=passwords.MIN_LENGTH)
        raise ValidationError(message, fields={field: message})


def change_password(
    user: Staff | Contact, current: str, new: str, keep: UserSession | None = None
) -> None:
    """Checks the current password, stores the new one and ends every session of the account
    but ``keep`` (the session of the browser the change was made in)."""
    if not passwords.verify(user.password_hash, current):
        message = _("The current password is not correct.")
        raise ValidationError(message, fields={"current_password": message})
    check_password_strength(new)
    user.password_hash = passwords.hash_password(new)
    user.session_version += 1
    sessions.end_all(user, except_record=keep)
    db.session.flush()


def request_reset(model: type[Staff] | type[Contact], address: str) -> None:
    """Queues a reset email when an account of ``model`` that may sign in has this address.
    Otherwise the same email is rendered and not queued: both answers do the same work (no
    password hash either way), so neither the answer nor its time tells whether the address
    has an account."""
    user = db.session.scalar(select(model).where(model.email == address.strip().lower()))
    if user is not None and may_sign_in(user):
        email.queue_password_reset(user)
    else:
        render_unsent_reset(model, address)


def render_unsent_reset(model: type[Staff] | type[Contact], address: str) -> None:
    """Renders the reset email an account of ``model`` at ``address`` would get, with a link of
    the same length, and throws it away: the work of a reset for an address without one."""
    endpoint = "admin.reset_password_token" if model is Staff else "clients.reset_password_token"
    email.render(
        "password_reset",
        str(current_app.config["DEFAULT_LOCALE"]),
        name=address.partition("@")[0],
        link=email.absolute_url(endpoint, token=secrets.token_urlsafe(76)),
        valid_minutes=tokens.RESET_MAX_AGE // 60,
    )


def set_password(user: Staff | Contact, password: str) -> None:
    """Stores a new password and ends every existing session of the account (which also
    invalidates every set-password/reset link made before)."""
    user.password_hash = passwords.hash_password(password)
    user.session_version += 1
    sessions.end_all(user)
    db.session.flush()


def user_for_token(
    token: str, purpose: str, kind: type[Staff] | type[Contact]
) -> Staff | Contact | None:
    max_age = tokens.WELCOME_MAX_AGE if purpose == "welcome" else tokens.RESET_MAX_AGE
    user = tokens.load_token(token, purpose, max_age)
    return user if isinstance(user, kind) else None
