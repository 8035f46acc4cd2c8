"""Portal support tickets: the list (active, one status, or all) and the conversation (without
internal notes), open one (with attachments, optionally about an invoice or an estimate), reply,
close, and download attachments. Every look-up is scoped by
:mod:`portal.services.access.contacts`.

Each new ticket and reply emails the ticket's handlers, so both are limited per contact,
whatever address they come from (``PORTAL_TICKET_LIMIT_CONTACT``,
``PORTAL_REPLY_LIMIT_CONTACT``; every submission counts, 429 beyond the limit)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.clients import area_required, bp, current_contact
from portal.extensions import db
from portal.models import TICKET_STATUSES, Ticket
from portal.services import tickets as ticket_service
from portal.services.access import contacts as portal_scope
from portal.services.errors import DomainError
from portal.services.tickets import about as ticket_about
from portal.services.tickets import attachments
from portal.web.limits import contact_limited
from portal.web.pages import page_number
from portal.web.unit_of_work import fail, show_errors

PER_PAGE = 25


def _contact_id() -> int:
    return current_contact().id


class NewTicketForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=255)])
    priority = SelectField(_l("Priority"), validate_choice=False)
    about = SelectField(_l("About"), validate_choice=False)
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))

    # The service names the document it refuses; its error is shown next to "About".
    @property
    def invoice_id(self) -> Field:
        return self.about

    @property
    def estimate_id(self) -> Field:
        return self.about


class ReplyForm(FlaskForm):
    message = TextAreaField(_l("Your reply"), validators=[Optional(), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))


@bp.get("/tickets")
@area_required("tickets")
def tickets() -> ResponseReturnValue:
    status = request.args.get("status", "active")
    if status != "active" and status not in TICKET_STATUSES:
        status = "all"
    stmt = ticket_service.with_status(portal_scope.visible_tickets(current_contact()), status)
    stmt = stmt.order_by(Ticket.last_message_at.desc(), Ticket.id.desc())
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "clients/tickets/list.html", page=page, status=status, statuses=TICKET_STATUSES
    )


@bp.get("/tickets/<int:id>")
@area_required("tickets")
def ticket(id: int) -> ResponseReturnValue:
    found = portal_scope.ticket_for_contact_or_404(id, current_contact())
    messages = ticket_service.visible_messages(found, for_contact=True)
    about = ticket_about.for_contact(found, current_contact())
    return render_template(
        "clients/tickets/detail.html", ticket=found, messages=messages, about=about
    )


def _about_choices() -> list[tuple[str, str]]:
    """The contact's own numbered invoices and estimates (newest 50 of each) it may see."""
    choices = [("", _("Nothing in particular"))]
    for kind, pk, number in portal_scope.ticket_documents(current_contact()):
        if kind == "invoice":
            choices.append((f"invoice:{pk}", _("Invoice %(number)s", number=number)))
        else:
            choices.append((f"estimate:{pk}", _("Estimate %(number)s", number=number)))
    return choices


@bp.route("/tickets/new", methods=["GET", "POST"])
@area_required("tickets")
@contact_limited("TICKET_LIMIT_CONTACT", "portal-tickets", _contact_id)
def ticket_new() -> ResponseReturnValue:
    contact = current_contact()
    form = NewTicketForm()
    form.priority.choices = ticket_service.priority_choices()
    form.about.choices = _about_choices()
    if not form.is_submitted():
        form.priority.data = "medium"
    if not form.validate_on_submit():
        return render_template("clients/tickets/new.html", form=form)
    kind, _sep, raw_id = (form.about.data or "").partition(":")
    data = {
        "subject": form.subject.data,
        "priority": form.priority.data,
        "message": form.message.data,
        "invoice_id": raw_id if kind == "invoice" else None,
        "estimate_id": raw_id if kind == "estimate" else None,
    }
    stored: list[str] = []
    try:
        files = ticket_service.checked_uploads(form.attachments.data)
        opened = ticket_service.open_ticket(
            contact.customer, data, files, contact=contact, stored=stored
        )
    except DomainError as exc:
        show_errors(form, exc)
        attachments.remove(stored)
        return render_template("clients/tickets/new.html", form=form), 422
    flash(_("Your ticket #%(id)d was sent. We will answer soon.", id=opened.id), "success")
    return redirect(url_for(".ticket", id=opened.id))


@bp.post("/tickets/<int:id>/reply")
@area_required("tickets")
@contact_limited("REPLY_LIMIT_CONTACT", "portal-replies", _contact_id)
def ticket_reply(id: int) -> ResponseReturnValue:
    contact = current_contact()
    found = portal_scope.ticket_for_contact_or_404(id, contact)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    stored: list[str] = []
    try:
        files = ticket_service.checked_uploads(form.attachments.data)
        ticket_service.reply(
            found, {"message": form.message.data}, files, contact=contact, stored=stored
        )
    except DomainError as exc:
        fail()
        attachments.remove(stored)
        for message in exc.fields.values() or [exc.message]:
            flash(message, "error")
        return redirect(url_for(".ticket", id=id) + "#reply")
    flash(_("Your reply was sent."), "success")
    return redirect(url_for(".ticket", id=id))


@bp.post("/tickets/<int:id>/close")
@area_required("tickets")
def ticket_close(id: int) -> ResponseReturnValue:
    found = portal_scope.ticket_for_contact_or_404(id, current_contact())
    if FlaskForm().validate_on_submit():
        ticket_service.close(found)
        flash(_("The ticket was closed. Thank you!"), "success")
    return redirect(url_for(".ticket", id=id))


@bp.get("/tickets/<int:id>/attachments/<int:attachment_id>")
@area_required("tickets")
def ticket_attachment(id: int, attachment_id: int) -> ResponseReturnValue:
    found = portal_scope.ticket_for_contact_or_404(id, current_contact())
    attachment = portal_scope.ticket_attachment_or_404(attachment_id, found)
    return send_file(
        attachments.path_of(attachment.stored_name),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
