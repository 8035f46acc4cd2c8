"""The approval queue of portal registrations (registration mode ``approval``): pending sign-ups
with approve and refuse, and the decided ones. Approving or refusing emails the registrant
(through the outbox, in the registrant's language)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.admin import bp
from portal.admin.helpers import PER_PAGE, current_staff
from portal.auth import permission_required
from portal.extensions import db
from portal.models import REGISTRATION_STATUSES, RegistrationRequest
from portal.services.errors import DomainError
from portal.services.identity import registrations
from portal.web.forms import EmptyForm
from portal.web.pages import page_number
from portal.web.unit_of_work import fail

#: Deciding on a registration creates (or deletes) a customer: customer editors do it.
PERMISSION = "customers.edit"


@bp.get("/registrations")
@permission_required(PERMISSION)
def registration_queue() -> ResponseReturnValue:
    status = request.args.get("status", "pending")
    if status != "all" and status not in REGISTRATION_STATUSES:
        status = "pending"
    stmt = registrations.queue(status).options(selectinload(RegistrationRequest.decided_by))
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/registrations.html",
        page=page,
        status=status,
        mode=registrations.mode(),
        action_form=EmptyForm(),
    )


@bp.post("/registrations/<int:registration_id>/approve")
@permission_required(PERMISSION)
def registration_approve(registration_id: int) -> ResponseReturnValue:
    return _decide(registration_id, approve=True)


@bp.post("/registrations/<int:registration_id>/refuse")
@permission_required(PERMISSION)
def registration_refuse(registration_id: int) -> ResponseReturnValue:
    return _decide(registration_id, approve=False)


def _decide(registration_id: int, approve: bool) -> ResponseReturnValue:
    registration = db.session.get(RegistrationRequest, registration_id)
    if registration is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        names = {"company": registration.company_name, "email": registration.email}
        try:
            if approve:
                registrations.approve(registration, current_staff())
                message = _(
                    "%(company)s was approved; %(email)s gets an email to choose a password.",
                    **names,
                )
            else:
                registrations.refuse(registration, current_staff())
                message = _("%(company)s was refused; %(email)s gets an email saying so.", **names)
        except DomainError as exc:
            fail(exc)
        else:
            flash(message, "success")
    return redirect(url_for(".registration_queue"))
