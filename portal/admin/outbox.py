"""The outbox: every email with its delivery state; failed ones can be queued again."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin import bp
from portal.admin.helpers import PER_PAGE
from portal.auth import permission_required
from portal.extensions import db
from portal.models import OutboxEmail
from portal.models.outbox import OUTBOX_STATUSES
from portal.services.platform import outbox
from portal.web.forms import EmptyForm
from portal.web.pages import page_number


@bp.get("/outbox")
@permission_required("settings.view")
def outbox_list() -> ResponseReturnValue:
    status = request.args.get("status", "")
    stmt = select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    if status in OUTBOX_STATUSES:
        stmt = stmt.where(OutboxEmail.status == status)
    else:
        status = ""
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/outbox.html",
        page=page,
        status=status,
        statuses=OUTBOX_STATUSES,
        resend_form=EmptyForm(),
    )


@bp.post("/outbox/<int:email_id>/resend")
@permission_required("settings.edit")
def outbox_resend(email_id: int) -> ResponseReturnValue:
    email = db.get_or_404(OutboxEmail, email_id)
    if EmptyForm().validate_on_submit():
        if email.status == "failed":
            outbox.resend(email)
            flash(_("The email to %(to)s is queued again.", to=email.recipient), "success")
        else:
            flash(_("Only failed emails can be sent again."), "error")
    return redirect(url_for(".outbox_list", status=request.args.get("status") or None))
