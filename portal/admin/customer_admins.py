"""Customer admins: which staff members look after which customers (drives ``view_own``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.admin import bp
from portal.admin.forms import AssignAdminForm
from portal.admin.helpers import PER_PAGE, current_staff
from portal.auth import permission_required
from portal.extensions import db
from portal.models import Customer, Staff
from portal.services.access.staff import get_customer_or_404, scope_query
from portal.services.errors import ValidationError
from portal.services.identity import staff as staff_service
from portal.web.forms import EmptyForm
from portal.web.pages import page_number
from portal.web.unit_of_work import show_errors


@bp.get("/customer-admins")
@permission_required("customers.view", "customers.view_own")
def customer_admins() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:100]
    stmt = (
        select(Customer)
        .options(selectinload(Customer.admins))
        .order_by(func.lower(Customer.company_name), Customer.id)
    )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Customer.company_name).like(like), func.lower(Customer.number).like(like)
            )
        )
    stmt = scope_query(stmt, current_staff(), "customers")
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/customer_admins/list.html", page=page, q=q)


def _assign_form(customer: Customer) -> AssignAdminForm:
    form = AssignAdminForm()
    assigned = {s.id for s in customer.admins}
    members = db.session.scalars(
        select(Staff).where(Staff.is_active.is_(True)).order_by(func.lower(Staff.name))
    ).all()
    form.staff_id.choices = [
        (s.id, f"{s.name} <{s.email}>") for s in members if s.id not in assigned
    ]
    return form


@bp.get("/customer-admins/<int:customer_id>")
@permission_required("customers.view", "customers.view_own")
def customer_admins_edit(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    return render_template(
        "admin/customer_admins/edit.html",
        customer=customer,
        form=_assign_form(customer),
        remove_form=EmptyForm(),
    )


@bp.post("/customer-admins/<int:customer_id>")
@permission_required("customers.edit")
def customer_admins_assign(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    form = _assign_form(customer)
    if form.validate_on_submit():
        member = db.session.get(Staff, form.staff_id.data)
        if member is None:
            abort(400)
        try:
            staff_service.assign_customer_admin(customer, member)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("%(name)s now looks after this customer.", name=member.name), "success")
            return redirect(url_for(".customer_admins_edit", customer_id=customer_id))
    return render_template(
        "admin/customer_admins/edit.html",
        customer=customer,
        form=form,
        remove_form=EmptyForm(),
    ), 422


@bp.post("/customer-admins/<int:customer_id>/remove/<int:staff_id>")
@permission_required("customers.edit")
def customer_admins_remove(customer_id: int, staff_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    member = db.get_or_404(Staff, staff_id)
    if EmptyForm().validate_on_submit():
        staff_service.unassign_customer_admin(customer, member)
        flash(_("%(name)s no longer looks after this customer.", name=member.name), "success")
    return redirect(url_for(".customer_admins_edit", customer_id=customer_id))
