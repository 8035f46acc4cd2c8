""" "View as contact": opens the client portal as one contact, read-only and audited (see
:mod:`portal.services.identity.view_as`; the portal guard enforces the read-only mode)."""

from __future__ import annotations

from flask import abort, redirect, session, url_for
from flask.typing import ResponseReturnValue

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.services.identity import view_as
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import on_commit


@bp.post("/contacts/<int:contact_id>/view-as")
@permission_required("customers.edit")
def view_as_contact(contact_id: int) -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    staff = current_staff()
    contact = view_as.viewable_contact(staff, contact_id)
    if contact is None:
        abort(404)
    marker = view_as.start(staff, contact)

    def remember() -> None:  # only with the audited start stored
        session[view_as.SESSION_KEY] = marker

    on_commit(remember)
    return redirect(url_for("clients.index"))
