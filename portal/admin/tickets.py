"""Support tickets for staff: the list across customers, open one for a customer, reply,
internal notes, status, priority, assignment, and attachments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.admin import bp
from portal.admin.helpers import PER_PAGE, current_staff
from portal.auth import permission_required
from portal.extensions import db
from portal.models import (
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Staff,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from portal.services import tickets as ticket_service
from portal.services.access.staff import get_customer_or_404, get_scoped_or_404, scope_query
from portal.services.errors import DomainError
from portal.services.tickets import about as ticket_about
from portal.services.tickets import attachments
from portal.web.pages import page_number
from portal.web.unit_of_work import fail, show_errors


class TicketForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=255)])
    contact_id = SelectField(_l("Contact"), validate_choice=False)
    priority = SelectField(_l("Priority"), validate_choice=False)
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))


class ReplyForm(FlaskForm):
    message = TextAreaField(_l("Reply"), validators=[Optional(), Length(max=20000)])
    internal = BooleanField(_l("Internal note (the customer does not see it)"))
    attachments = MultipleFileField(_l("Attachments"))


class TicketUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False)
    priority = SelectField(_l("Priority"), validate_choice=False)
    assigned_staff_id = SelectField(_l("Assigned to"), validate_choice=False)


class AboutForm(FlaskForm):
    about = SelectField(_l("About"), validate_choice=False)


def _checked_files(form_field: MultipleFileField) -> list[attachments.CheckedFile]:
    files = [f for f in (form_field.data or []) if f and f.filename]
    return [attachments.check(f.filename or "", f.stream) for f in files]


def _staff_choices() -> list[tuple[str, str]]:
    members = db.session.scalars(
        select(Staff).where(Staff.is_active).order_by(func.lower(Staff.name))
    )
    return [("", _("Nobody"))] + [(str(m.id), m.name) for m in members]


def _priority_choices() -> list[tuple[str, str]]:
    return [(p, ticket_service.priority_label(p)) for p in TICKET_PRIORITIES]


def _status_choices() -> list[tuple[str, str]]:
    return [(s, ticket_service.status_label(s)) for s in TICKET_STATUSES]


@bp.get("/tickets")
@permission_required("tickets.view", "tickets.view_own")
def ticket_list() -> ResponseReturnValue:
    args = request.args
    stmt = scope_query(select(Ticket), current_staff(), "tickets", Ticket).options(
        selectinload(Ticket.customer),
        selectinload(Ticket.contact),
        selectinload(Ticket.assigned_staff),
    )
    status = args.get("status", "active")
    if status == "active":
        stmt = stmt.where(Ticket.status != "closed")
    elif status in TICKET_STATUSES:
        stmt = stmt.where(Ticket.status == status)
    if args.get("priority") in TICKET_PRIORITIES:
        stmt = stmt.where(Ticket.priority == args["priority"])
    assignee = args.get("assignee", "")
    if assignee == "me":
        stmt = stmt.where(Ticket.assigned_staff_id == current_staff().id)
    elif assignee == "none":
        stmt = stmt.where(Ticket.assigned_staff_id.is_(None))
    elif assignee.isdigit():
        stmt = stmt.where(Ticket.assigned_staff_id == int(assignee))
    if args.get("customer", "").isdigit():
        stmt = stmt.where(Ticket.customer_id == int(args["customer"]))
    stmt = stmt.order_by(Ticket.last_message_at.desc(), Ticket.id.desc())
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/tickets/list.html",
        page=page,
        status=status,
        staff=_staff_choices(),
        statuses=_status_choices(),
        priorities=_priority_choices(),
    )


@bp.route("/customers/<int:customer_id>/tickets/new", methods=["GET", "POST"])
@permission_required("tickets.create")
def ticket_create(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "tickets")
    form = TicketForm()
    form.priority.choices = _priority_choices()
    form.contact_id.choices = [("", _("No contact"))] + [
        (str(c.id), f"{c.full_name} <{c.email}>") for c in customer.contacts if c.is_active
    ]
    if request.method == "GET":
        form.priority.data = "medium"
        primary = customer.primary_contact
        form.contact_id.data = str(primary.id) if primary else ""
    if form.validate_on_submit():
        stored: list[str] = []
        try:
            files = _checked_files(form.attachments)
            ticket = ticket_service.open_ticket(
                customer,
                {
                    "subject": form.subject.data,
                    "priority": form.priority.data,
                    "message": form.message.data,
                    "contact_id": form.contact_id.data,
                },
                files,
                staff=current_staff(),
                stored=stored,
            )
        except DomainError as exc:
            show_errors(form, exc)
            attachments.remove(stored)
            customer = get_customer_or_404(customer_id, current_staff(), "tickets")
        else:
            flash(_("Ticket #%(id)d was opened.", id=ticket.id), "success")
            return redirect(url_for(".ticket_detail", ticket_id=ticket.id))
    return render_template("admin/tickets/new.html", form=form, customer=customer)


def _ticket(ticket_id: int) -> Ticket:
    return get_scoped_or_404(Ticket, ticket_id, current_staff(), "tickets")


def _detail(ticket: Ticket, reply_form: ReplyForm | None = None) -> str:
    update_form = TicketUpdateForm(obj=ticket)
    update_form.status.choices = _status_choices()
    update_form.priority.choices = _priority_choices()
    update_form.assigned_staff_id.choices = _staff_choices()
    update_form.assigned_staff_id.data = str(ticket.assigned_staff_id or "")
    messages = db.session.scalars(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id)
        .options(
            selectinload(TicketMessage.attachments),
            selectinload(TicketMessage.author_staff),
            selectinload(TicketMessage.author_contact),
        )
        .order_by(TicketMessage.created_at, TicketMessage.id)
    ).all()
    about_form = AboutForm(formdata=None)
    about_form.about.choices = ticket_about.choices(ticket)
    about_form.about.data = ticket_about.choice_of(ticket)
    return render_template(
        "admin/tickets/detail.html",
        ticket=ticket,
        messages=messages,
        reply_form=reply_form or ReplyForm(),
        update_form=update_form,
        about=ticket_about.document(ticket),
        about_link=ticket_about.for_staff(ticket, current_staff()),
        about_form=about_form,
    )


@bp.get("/tickets/<int:ticket_id>")
@permission_required("tickets.view", "tickets.view_own")
def ticket_detail(ticket_id: int) -> ResponseReturnValue:
    return _detail(_ticket(ticket_id))


@bp.post("/tickets/<int:ticket_id>/reply")
@permission_required("tickets.edit")
def ticket_reply(ticket_id: int) -> ResponseReturnValue:
    ticket = _ticket(ticket_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _detail(ticket, form), 400
    stored: list[str] = []
    try:
        files = _checked_files(form.attachments)
        ticket_service.reply(
            ticket,
            {"message": form.message.data},
            files,
            staff=current_staff(),
            internal=bool(form.internal.data),
            stored=stored,
        )
    except DomainError as exc:
        show_errors(form, exc)
        attachments.remove(stored)
        ticket = _ticket(ticket_id)
        return _detail(ticket, form), 422
    flash(
        _("The internal note was added.") if form.internal.data else _("Your reply was sent."),
        "success",
    )
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/update")
@permission_required("tickets.edit")
def ticket_update(ticket_id: int) -> ResponseReturnValue:
    ticket = _ticket(ticket_id)
    form = TicketUpdateForm()
    if form.validate_on_submit():
        try:
            ticket_service.update(
                ticket,
                {
                    "status": form.status.data,
                    "priority": form.priority.data,
                    "assigned_staff_id": form.assigned_staff_id.data,
                },
            )
        except DomainError as exc:
            fail(exc)
        else:
            flash(_("The ticket was updated."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/about")
@permission_required("tickets.edit")
def ticket_set_about(ticket_id: int) -> ResponseReturnValue:
    """Sets or changes the invoice or estimate the ticket is about (or clears it)."""
    ticket = _ticket(ticket_id)
    form = AboutForm()
    if form.validate_on_submit():
        try:
            changed = ticket_about.set_about(ticket, form.about.data)
        except DomainError as exc:
            fail(exc)
        else:
            if changed:
                flash(_("The ticket was updated."), "success")
    return redirect(url_for(".ticket_detail", ticket_id=ticket_id))


@bp.get("/tickets/attachments/<int:attachment_id>")
@permission_required("tickets.view", "tickets.view_own")
def ticket_attachment(attachment_id: int) -> ResponseReturnValue:
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None:
        abort(404)
    ticket = _ticket(attachment.message.ticket_id)  # 404 unless the ticket is visible
    if ticket is None:  # pragma: no cover - _ticket aborts
        abort(404)
    return send_file(
        attachments.path_of(attachment.stored_name),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
