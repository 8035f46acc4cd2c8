"""Staff members and roles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import ADMINISTRATOR, Role, Staff
from portal.services import passwords, validation
from portal.services.errors import ValidationError
from portal.services.validation import Errors


def administrator_role() -> Role:
    """The built-in Administrator role, created on first use."""
    role = db.session.scalar(select(Role).where(Role.name == ADMINISTRATOR))
    if role is None:
        role = Role(name=ADMINISTRATOR, is_builtin=True, description="All permissions")
        db.session.add(role)
        db.session.flush()
    return role


def role_by_name(name: str) -> Role | None:
    return db.session.scalar(select(Role).where(Role.name == name))


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < passwords.MIN_LENGTH:
        message = _("Use at least %(n)d characters.", n=passwords.MIN_LENGTH)
        raise ValidationError(message, fields={field: message})


def create_staff(data: Mapping[str, Any], role: Role, password: str | None) -> Staff:
    errors = Errors()
    email = validation.email(data, "email", errors)
    name = validation.text(data, "name", errors, required=True, max_length=120)
    language = validation.language(data, "language", errors)
    if email and db.session.scalar(select(Staff.id).where(Staff.email == email)):
        errors.add("email", _("A staff member with this email exists already."))
    errors.raise_if_any()
    staff = Staff(email=email, name=name, role=role, language=language, is_active=True)
    if password is not None:
        check_password_strength(password)
        staff.password_hash = passwords.hash_password(password)
    db.session.add(staff)
    db.session.flush()
    return staff


def authenticate_staff(email: str, password: str) -> Staff | None:
    """The active staff member with these credentials, or ``None`` (same cost either way)."""
    staff = db.session.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    ok = passwords.verify(staff.password_hash if staff else None, password)
    if not ok or staff is None or not staff.is_active:
        return None
    if passwords.needs_rehash(staff.password_hash or ""):
        staff.password_hash = passwords.hash_password(password)
    return staff
