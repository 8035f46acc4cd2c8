"""Staff members and roles (the permission matrix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.admin import bp
from portal.admin.forms import RoleForm, StaffForm
from portal.admin.helpers import PER_PAGE, current_staff
from portal.auth import permission_required, start_session
from portal.extensions import db
from portal.models import Role, Staff
from portal.models.permissions import AREAS, CAPABILITIES
from portal.services.errors import Forbidden, ValidationError
from portal.services.identity import staff as staff_service
from portal.services.platform import email
from portal.web.forms import EmptyForm, language_choices
from portal.web.pages import page_number
from portal.web.unit_of_work import fail, show_errors

_DISABLED = {"disabled": True}


def _role_choices(member: Staff | None) -> list[Any]:
    """Every role (the service refuses what may not be given), those the signed-in member may
    not give to ``member`` disabled; the member's current role can always be kept."""
    who = staff_service.granter()
    roles = db.session.scalars(select(Role).order_by(Role.is_builtin.desc(), Role.name)).all()
    choices: list[Any] = []
    for role in roles:
        if member is not None and role.id == member.role_id:
            allowed = True
        else:
            allowed = who.may_give(role) and (member is None or not who.is_self(member))
        choices.append((role.id, role.name) if allowed else (role.id, role.name, _DISABLED))
    return choices


def _forbidden(exc: Forbidden) -> NoReturn:
    """A refused attempt: nothing is written, the reason is flashed on the 403 page."""
    fail(exc)
    abort(403)


def _staff_form(obj: Staff | None = None) -> StaffForm:
    form = StaffForm(obj=obj) if obj is not None else StaffForm()
    form.role_id.choices = _role_choices(obj)
    form.language.choices = language_choices(_("Default language"))
    if obj is not None and request.method == "GET":
        form.language.data = obj.language or ""
    return form


def _role(form: StaffForm) -> Role:
    role = db.session.get(Role, form.role_id.data)
    if role is None:  # validate_choice already refused it
        abort(400)
    return role


@bp.get("/staff")
@permission_required("staff.view")
def staff_list() -> ResponseReturnValue:
    stmt = select(Staff).order_by(Staff.is_active.desc(), func.lower(Staff.name), Staff.id)
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/staff/list.html", page=page)


@bp.route("/staff/new", methods=["GET", "POST"])
@permission_required("staff.create")
def staff_create() -> ResponseReturnValue:
    form = _staff_form()
    if form.validate_on_submit():
        try:
            member = staff_service.create_staff(form.data, _role(form), None)
            if form.send_link.data:
                email.queue_password_reset(member)
        except Forbidden as exc:
            _forbidden(exc)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("Staff member %(name)s was created.", name=member.name), "success")
            return redirect(url_for(".staff_list"))
    return render_template("admin/staff/form.html", form=form, member=None)


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@permission_required("staff.edit")
def staff_edit(staff_id: int) -> ResponseReturnValue:
    member = db.get_or_404(Staff, staff_id)
    form = _staff_form(member)
    if form.validate_on_submit():
        try:
            staff_service.update_staff(member, form.data, _role(form))
        except Forbidden as exc:
            _forbidden(exc)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            if member.id == current_staff().id:
                start_session(member)
            flash(_("Staff member %(name)s was saved.", name=member.name), "success")
            return redirect(url_for(".staff_list"))
    return render_template(
        "admin/staff/form.html", form=form, member=member, action_form=EmptyForm()
    )


@bp.post("/staff/<int:staff_id>/active")
@permission_required("staff.edit")
def staff_set_active(staff_id: int) -> ResponseReturnValue:
    member = db.get_or_404(Staff, staff_id)
    form = EmptyForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            staff_service.set_active(member, active)
        except Forbidden as exc:
            _forbidden(exc)
        except ValidationError as exc:
            fail(exc)
        else:
            message = (
                _("%(name)s was activated.", name=member.name)
                if active
                else _("%(name)s was deactivated and signed out.", name=member.name)
            )
            flash(message, "success")
    return redirect(url_for(".staff_edit", staff_id=staff_id))


# -- roles ----------------------------------------------------------------------------------


@bp.get("/roles")
@permission_required("staff.view")
def role_list() -> ResponseReturnValue:
    counts = dict(
        db.session.execute(
            select(Staff.role_id, func.count(Staff.id)).group_by(Staff.role_id)
        ).all()
    )
    roles = db.session.scalars(select(Role).order_by(Role.is_builtin.desc(), Role.name)).all()
    return render_template("admin/roles/list.html", roles=roles, counts=counts)


def _matrix_page(form: RoleForm, role: Role | None, granted: set[str]) -> str:
    return render_template(
        "admin/roles/form.html",
        form=form,
        role=role,
        granted=granted,
        areas=AREAS,
        capabilities=CAPABILITIES,
        delete_form=EmptyForm(),
    )


def _role_form(
    role: Role | None,
    save: Callable[[RoleForm, set[str]], Role],
    success: Callable[[Role], str],
) -> ResponseReturnValue:
    """The posted role form: saved with the checked permissions (then the list), or shown
    again with the service's errors."""
    form = RoleForm()
    granted = set(request.form.getlist("permissions"))
    if form.validate_on_submit():
        try:
            saved = save(form, granted)
        except Forbidden as exc:
            _forbidden(exc)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(success(saved), "success")
            return redirect(url_for(".role_list"))
    return _matrix_page(form, role, granted)


@bp.route("/roles/new", methods=["GET", "POST"])
@permission_required("staff.create")
def role_create() -> ResponseReturnValue:
    return _role_form(
        None,
        lambda form, granted: staff_service.create_role(form.data, granted),
        lambda role: _("Role %(name)s was created.", name=role.name),
    )


@bp.get("/roles/<int:role_id>")
@permission_required("staff.view")
def role_edit(role_id: int) -> ResponseReturnValue:
    role = db.get_or_404(Role, role_id)
    return _matrix_page(RoleForm(obj=role), role, set(role.permissions))


@bp.post("/roles/<int:role_id>")
@permission_required("staff.edit")
def role_update(role_id: int) -> ResponseReturnValue:
    role = db.get_or_404(Role, role_id)

    def save(form: RoleForm, granted: set[str]) -> Role:
        staff_service.update_role(role, form.data, granted)
        return role

    return _role_form(role, save, lambda saved: _("Role %(name)s was saved.", name=saved.name))


@bp.post("/roles/<int:role_id>/delete")
@permission_required("staff.delete")
def role_delete(role_id: int) -> ResponseReturnValue:
    role = db.get_or_404(Role, role_id)
    if EmptyForm().validate_on_submit():
        try:
            staff_service.delete_role(role)
        except ValidationError as exc:
            fail(exc)
            return redirect(url_for(".role_edit", role_id=role_id))
        flash(_("The role was deleted."), "success")
    return redirect(url_for(".role_list"))
