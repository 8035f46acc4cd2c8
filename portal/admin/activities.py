"""Activities on the customer card (the Activities tab: planned and past; create, edit, mark
done, reopen, delete), the member's own calendar feed address on the account pages, and the
feed itself (``/admin/activities.ics?token=...``: no session, the secret only)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required, staff_required
from portal.extensions import db
from portal.models import ACTIVITY_KINDS, Activity, Contact, Customer, Staff
from portal.models.base import utcnow
from portal.services.access.staff import get_customer_or_404
from portal.services.customers import activities, activity_calendar
from portal.services.errors import DomainError
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import fail, show_errors


def _optional_id(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class ActivityForm(FlaskForm):
    kind = SelectField(_l("Kind"))
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10000)])
    due_at = DateTimeLocalField(
        _l("Due (UTC)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()]
    )
    # The services decide what may be chosen (their errors appear next to these fields).
    contact_id = SelectField(_l("Contact"), coerce=_optional_id, validate_choice=False)
    assigned_to = SelectField(_l("Assigned to"), coerce=_optional_id, validate_choice=False)

    def service_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.data,
            "subject": self.subject.data or "",
            "body": self.body.data or "",
            "due_at": self.due_at.data,
            "contact_id": self.contact_id.data,
            "assigned_to": self.assigned_to.data,
        }


def tab_context(customer: Customer) -> dict[str, Any]:
    """What the card's Activities tab shows: a fixed number of queries (two lists)."""
    return {
        "planned": activities.planned(customer.id),
        "past": activities.past(customer.id),
        "now": utcnow(),
        "kind_labels": activities.kind_labels(),
    }


def _card(customer_id: int) -> ResponseReturnValue:
    return redirect(url_for(".customer_card", customer_id=customer_id, tab="activities"))


def _activity_of(customer: Customer, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.customer_id != customer.id:
        abort(404)
    return activity


def _form(customer: Customer, activity: Activity | None) -> ActivityForm:
    form = ActivityForm(obj=activity) if activity is not None else ActivityForm()
    labels = activities.kind_labels()
    form.kind.choices = [(k, labels[k]) for k in ACTIVITY_KINDS]
    contacts = db.session.scalars(
        select(Contact)
        .where(Contact.customer_id == customer.id)
        .order_by(Contact.last_name, Contact.first_name)
    )
    form.contact_id.choices = [("", _("No contact"))] + [(c.id, c.full_name) for c in contacts]
    members = db.session.scalars(select(Staff).where(Staff.is_active).order_by(Staff.name))
    form.assigned_to.choices = [("", _("Nobody"))] + [(m.id, m.name) for m in members]
    assignee = activity.assignee if activity is not None else None
    if assignee is not None and not assignee.is_active:
        form.assigned_to.choices.append((assignee.id, _("%(name)s (inactive)", name=assignee.name)))
    if request.method == "GET":
        if activity is None:
            form.assigned_to.data = current_staff().id
        elif activity.due_at is not None:
            form.due_at.data = activity.due_at.replace(tzinfo=None)
    return form


def _edit(customer_id: int, activity_id: int | None) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    activity = _activity_of(customer, activity_id) if activity_id is not None else None
    form = _form(customer, activity)
    if form.validate_on_submit():
        try:
            if activity is None:
                saved = activities.create_activity(customer, form.service_data())
                message = _("The activity %(subject)s was added.", subject=saved.subject)
            else:
                saved = activities.update_activity(activity, form.service_data())
                message = _("The activity %(subject)s was saved.", subject=saved.subject)
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(message, "success")
            return _card(customer_id)
    if request.method == "POST":  # read again: a refused change was rolled back
        customer = get_customer_or_404(customer_id, current_staff())
        activity = _activity_of(customer, activity_id) if activity_id is not None else None
    return render_template(
        "admin/customers/activities_form.html", form=form, customer=customer, activity=activity
    )


@bp.route("/customers/<int:customer_id>/activities/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def activity_create(customer_id: int) -> ResponseReturnValue:
    return _edit(customer_id, None)


@bp.route("/customers/<int:customer_id>/activities/<int:activity_id>", methods=["GET", "POST"])
@permission_required("customers.edit")
def activity_edit(customer_id: int, activity_id: int) -> ResponseReturnValue:
    return _edit(customer_id, activity_id)


@bp.post("/customers/<int:customer_id>/activities/<int:activity_id>/<action>")
@permission_required("customers.edit")
def activity_action(customer_id: int, activity_id: int, action: str) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    activity = _activity_of(customer, activity_id)
    if action not in ("done", "reopen", "delete"):
        abort(404)
    if not EmptyForm().validate_on_submit():
        return _card(customer_id)
    subject = activity.subject
    try:
        if action == "done":
            activities.mark_done(activity)
            message = _("%(subject)s is done.", subject=subject)
        elif action == "reopen":
            activities.reopen(activity)
            message = _("%(subject)s is open again.", subject=subject)
        else:
            activities.delete_activity(activity)
            message = _("The activity %(subject)s was deleted.", subject=subject)
    except DomainError as exc:
        fail(exc)
    else:
        flash(message, "success")
    return _card(customer_id)


# -- the calendar feed ------------------------------------------------------------------------


@bp.get("/activities.ics")
def activities_feed() -> ResponseReturnValue:
    """The feed of the member whose secret is ``token`` (no session; in ``PUBLIC_ENDPOINTS``):
    404 for a wrong, replaced or revoked secret."""
    staff = activity_calendar.staff_for_token(request.args.get("token"))
    if staff is None:
        abort(404)
    response = Response(activity_calendar.calendar_bytes(staff), mimetype="text/calendar")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = 'inline; filename="activities.ics"'
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _feed_url(raw: str) -> str:
    """The address calendars subscribe to, under ``PORTAL_BASE_URL`` like the emails' links."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(".activities_feed", token=raw)


@bp.route("/account/calendar", methods=["GET", "POST"])
@staff_required
def account_calendar() -> ResponseReturnValue:
    """The member's own feed address: made (shown once), made again, or revoked."""
    me = current_staff()
    form = EmptyForm()
    new_url = None
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("action") == "revoke":
            if activity_calendar.revoke_token(me):
                flash(_("The calendar address was revoked."), "success")
            return redirect(url_for(".account_calendar"))
        new_url = _feed_url(activity_calendar.issue_token(me))
    return render_template(
        "admin/account_calendar.html",
        form=form,
        token=activity_calendar.token_of(me),
        new_url=new_url,
    )
