"""Staff members and roles.

Who may give what (issue 24 item 1): the acting staff member (the audit actor, see
:mod:`portal.services.platform.audit`) gives only roles and permissions it holds itself,
manages only members and roles within its own rights, never changes its own role, and only an
Administrator manages Administrators. The system actor (CLI, seeding) has every right; any
other actor (contact, API token) none. Refusals raise :class:`Forbidden` before anything
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ADMINISTRATOR, Customer, Role, Staff
from portal.models.permissions import ALL_PERMISSIONS
from portal.services.errors import Forbidden, ValidationError
from portal.services.identity import passwords, sessions
from portal.services.identity.accounts import check_password_strength
from portal.services.platform import validation
from portal.services.platform.audit import current_actor
from portal.services.platform.validation import Errors


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


# -- who may give what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Granter:
    """The rights of whoever acts: ``staff`` is None for the system actor (every right)."""

    staff: Staff | None
    permissions: frozenset[str]
    is_administrator: bool

    def is_self(self, member: Staff) -> bool:
        return self.staff is not None and self.staff.id == member.id

    def may_give(self, role: Role) -> bool:
        """Whether ``role`` may be given to a member (not counting the own-role rule)."""
        if _is_administrator_role(role) and not self.is_administrator:
            return False
        return role.permissions <= self.permissions


def granter() -> Granter:
    """The acting staff member's rights, from the audit actor."""
    actor = current_actor()
    if actor.kind == "system":
        return Granter(None, ALL_PERMISSIONS, True)
    member = db.session.get(Staff, actor.id) if actor.kind == "staff" else None
    if member is None or not member.is_active:
        raise Forbidden(_("Not allowed"))
    return Granter(member, member.role.permissions, member.is_administrator)


def _is_administrator_role(role: Role) -> bool:
    return role.is_builtin and role.name == ADMINISTRATOR


def _only_administrators() -> Forbidden:
    return Forbidden(_("Only an Administrator can manage Administrators."))


def _check_give(who: Granter, role: Role) -> None:
    if _is_administrator_role(role) and not who.is_administrator:
        raise _only_administrators()
    if not role.permissions <= who.permissions:
        raise Forbidden(_("You cannot give permissions you do not have yourself."))


def _check_manage(who: Granter, member: Staff) -> None:
    """``member`` may be changed (edited, deactivated, activated) by ``who``."""
    if member.is_administrator and not who.is_administrator:
        raise _only_administrators()
    if not member.role.permissions <= who.permissions:
        raise Forbidden(_("You cannot change a staff member who has permissions you do not have."))


def _check_new_role(who: Granter, member: Staff, role: Role) -> None:
    """``member`` may be given ``role`` instead of its current one (unchanged is always fine)."""
    if role.id == member.role_id:
        return
    if who.is_self(member):
        raise Forbidden(_("You cannot change your own role."))
    _check_give(who, role)


def create_staff(data: Mapping[str, Any], role: Role, password: str | None) -> Staff:
    who = granter()
    errors = Errors()
    email = validation.email(data, "email", errors)
    name = validation.text(data, "name", errors, required=True, max_length=120)
    language = validation.language(data, "language", errors)
    if email and db.session.scalar(select(Staff.id).where(Staff.email == email)):
        errors.add("email", _("A staff member with this email exists already."))
    errors.raise_if_any()
    _check_give(who, role)
    staff = Staff(email=email, name=name, role=role, language=language, is_active=True)
    if password is not None:
        check_password_strength(password)
        staff.password_hash = passwords.hash_password(password)
    db.session.add(staff)
    db.session.flush()
    return staff


# -- staff members --------------------------------------------------------------------------


def _active_administrators() -> int:
    return len(
        db.session.scalars(
            select(Staff.id)
            .join(Role)
            .where(Staff.is_active.is_(True), Role.name == ADMINISTRATOR, Role.is_builtin)
        ).all()
    )


def update_staff(staff: Staff, data: Mapping[str, Any], role: Role) -> None:
    """Changes name, email, role and language. The last active Administrator keeps the role;
    nobody changes their own role, nor a member or gives a role beyond their own rights."""
    who = granter()
    _check_manage(who, staff)
    errors = Errors()
    email = validation.email(data, "email", errors)
    name = validation.text(data, "name", errors, required=True, max_length=120)
    language = validation.language(data, "language", errors)
    if email and db.session.scalar(
        select(Staff.id).where(Staff.email == email, Staff.id != staff.id)
    ):
        errors.add("email", _("A staff member with this email exists already."))
    if (
        staff.is_administrator
        and staff.is_active
        and not (role.is_builtin and role.name == ADMINISTRATOR)
        and _active_administrators() <= 1
    ):
        errors.add("role_id", _("The last active Administrator must keep the role."))
    errors.raise_if_any()
    _check_new_role(who, staff, role)
    if email != staff.email:
        staff.session_version += 1  # the sign-in name changed: sign in again everywhere
        sessions.end_all(staff)
        sessions.end_all(staff)
        sessions.end_all(staff)
        sessions.end_all(staff)
    staff.email = email  # type: ignore[assignment]
    staff.name = name  # type: ignore[assignment]
    staff.language = language
    staff.role = role
    db.session.flush()


def set_active(staff: Staff, active: bool) -> None:
    """Activates or deactivates a member (within the actor's rights); a deactivated member is
    signed out at the next request (its sessions end)."""
    who = granter()
    if not active and who.is_self(staff):
        raise ValidationError(_("You cannot deactivate yourself."))
    _check_manage(who, staff)
    if not active and staff.is_administrator and staff.is_active and _active_administrators() <= 1:
        raise ValidationError(_("The last active Administrator cannot be deactivated."))
    if staff.is_active == active:
        return
    staff.is_active = active
    staff.session_version += 1
    if not active:
        sessions.end_all(staff)
    db.session.flush()


def set_language(staff: Staff, language: str | None) -> None:
    errors = Errors()
    value = validation.language({"language": language}, "language", errors)
    errors.raise_if_any()
    staff.language = value
    db.session.flush()


# -- roles ----------------------------------------------------------------------------------


def _role_fields(data: Mapping[str, Any], errors: Errors, role: Role | None) -> tuple[str, str]:
    name = validation.text(data, "name", errors, required=True, max_length=80)
    description = validation.text(data, "description", errors, max_length=255)
    if name:
        clash = select(Role.id).where(func.lower(Role.name) == name.lower())
        if role is not None:
            clash = clash.where(Role.id != role.id)
        if db.session.scalar(clash):
            errors.add("name", _("A role with this name exists already."))
    return name or "", description or ""


def _permissions(names: Any, errors: Errors) -> set[str]:
    wanted = set(names or [])
    unknown = wanted - ALL_PERMISSIONS
    if unknown:
        errors.add("permissions", _("Unknown permission."))
    return wanted & ALL_PERMISSIONS


def _check_permissions(who: Granter, wanted: set[str]) -> None:
    if not wanted <= who.permissions:
        raise Forbidden(_("You cannot give permissions you do not have yourself."))


def create_role(data: Mapping[str, Any], permissions: Any) -> Role:
    """A new role with permissions the actor holds itself."""
    who = granter()
    errors = Errors()
    name, description = _role_fields(data, errors, None)
    wanted = _permissions(permissions, errors)
    errors.raise_if_any()
    _check_permissions(who, wanted)
    role = Role(name=name, description=description or None, is_builtin=False)
    role.set_permissions(wanted)
    db.session.add(role)
    db.session.flush()
    return role


def update_role(role: Role, data: Mapping[str, Any], permissions: Any) -> None:
    """Changes a role within the actor's rights (also the actor's own role: never beyond)."""
    if role.is_builtin:
        raise ValidationError(_("The built-in Administrator role cannot be changed."))
    who = granter()
    if not role.permissions <= who.permissions:
        raise Forbidden(_("You cannot change a role that has permissions you do not have."))
    errors = Errors()
    name, description = _role_fields(data, errors, role)
    wanted = _permissions(permissions, errors)
    errors.raise_if_any()
    _check_permissions(who, wanted)
    role.name = name
    role.description = description or None
    role.set_permissions(wanted)
    db.session.flush()


def delete_role(role: Role) -> None:
    if role.is_builtin:
        raise ValidationError(_("The built-in Administrator role cannot be removed."))
    if db.session.scalar(select(Staff.id).where(Staff.role_id == role.id).limit(1)):
        raise ValidationError(_("This role is still given to staff members."))
    db.session.delete(role)
    db.session.flush()


# -- customer admins ------------------------------------------------------------------------


def assign_customer_admin(customer: Customer, staff: Staff) -> None:
    if not staff.is_active:
        message = _("Choose an active staff member.")
        raise ValidationError(message, fields={"staff_id": message})
    if staff not in customer.admins:
        customer.admins.append(staff)
    db.session.flush()


def unassign_customer_admin(customer: Customer, staff: Staff) -> None:
    if staff in customer.admins:
        customer.admins.remove(staff)
    db.session.flush()
