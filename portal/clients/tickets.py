"""Portal support tickets: open one (with attachments, optionally about an invoice or an
estimate), reply, close, and download attachments. The list and the conversation pages are in
:mod:`portal.clients.documents`; every look-up here is scoped the same way."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.clients import area_required, bp, current_contact
from portal.extensions import db
from portal.models import TICKET_PRIORITIES, Estimate, Invoice, TicketAttachment, TicketMessage
from portal.services import tickets as ticket_service
from portal.services.access import contacts as portal_scope
from portal.services.errors import DomainError
from portal.services.tickets import attachments


class NewTicketForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=255)])
    priority = SelectField(_l("Priority"), validate_choice=False)
    about = SelectField(_l("About"), validate_choice=False)
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))


class ReplyForm(FlaskForm):
    message = TextAreaField(_l("Your reply"), validators=[Optional(), Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments"))


def _files(field: MultipleFileField) -> list[attachments.CheckedFile]:
    return [
        attachments.check(f.filename or "", f.stream)
        for f in (field.data or [])
        if f and f.filename
    ]


def _about_choices() -> list[tuple[str, str]]:
    """The contact's own issued invoices and sent estimates (newest 50 of each) it may see."""
    contact = current_contact()
    choices = [("", _("Nothing in particular"))]
    if contact.may("invoices"):
        invoices = db.session.execute(
            select(Invoice.id, Invoice.number)
            .where(Invoice.customer_id == contact.customer_id, Invoice.number.is_not(None))
            .order_by(Invoice.id.desc())
            .limit(50)
        )
        choices += [(f"invoice:{i}", _("Invoice %(number)s", number=n)) for i, n in invoices]
    if contact.may("estimates"):
        estimates = db.session.execute(
            select(Estimate.id, Estimate.number)
            .where(Estimate.customer_id == contact.customer_id, Estimate.number.is_not(None))
            .order_by(Estimate.id.desc())
            .limit(50)
        )
        choices += [(f"estimate:{i}", _("Estimate %(number)s", number=n)) for i, n in estimates]
    return choices


@bp.route("/tickets/new", methods=["GET", "POST"])
@area_required("tickets")
def ticket_new() -> ResponseReturnValue:
    contact = current_contact()
    form = NewTicketForm()
    form.priority.choices = [(p, ticket_service.priority_label(p)) for p in TICKET_PRIORITIES]
    form.about.choices = _about_choices()
    if not form.is_submitted():
        form.priority.data = "medium"
    if form.validate_on_submit():
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
            ticket = ticket_service.open_ticket(
                contact.customer, data, _files(form.attachments), contact=contact, stored=stored
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            attachments.remove(stored)
            for name, message in exc.fields.items():
                target = {"invoice_id": "about", "estimate_id": "about"}.get(name, name)
                field = getattr(form, target, None)
                if field is not None:
                    field.errors = [*list(field.errors or []), message]
            if not exc.fields:
                flash(exc.message, "error")
            return render_template("clients/tickets/new.html", form=form), 422
        flash(_("Your ticket #%(id)d was sent. We will answer soon.", id=ticket.id), "success")
        return redirect(url_for(".ticket", id=ticket.id))
    return render_template("clients/tickets/new.html", form=form)


@bp.post("/tickets/<int:id>/reply")
@area_required("tickets")
def ticket_reply(id: int) -> ResponseReturnValue:
    contact = current_contact()
    ticket = portal_scope.ticket_for_contact_or_404(id, contact)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    stored: list[str] = []
    try:
        ticket_service.reply(
            ticket,
            {"message": form.message.data},
            _files(form.attachments),
            contact=contact,
            stored=stored,
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attachments.remove(stored)
        for message in exc.fields.values() or [exc.message]:
            flash(message, "error")
        return redirect(url_for(".ticket", id=id) + "#reply")
    flash(_("Your reply was sent."), "success")
    return redirect(url_for(".ticket", id=id))


@bp.post("/tickets/<int:id>/close")
@area_required("tickets")
def ticket_close(id: int) -> ResponseReturnValue:
    ticket = portal_scope.ticket_for_contact_or_404(id, current_contact())
    if FlaskForm().validate_on_submit():
        ticket_service.close(ticket)
        db.session.commit()
        flash(_("The ticket was closed. Thank you!"), "success")
    return redirect(url_for(".ticket", id=id))


@bp.get("/tickets/<int:id>/attachments/<int:attachment_id>")
@area_required("tickets")
def ticket_attachment(id: int, attachment_id: int) -> ResponseReturnValue:
    ticket = portal_scope.ticket_for_contact_or_404(id, current_contact())
    attachment = db.session.scalar(
        select(TicketAttachment)
        .join(TicketMessage)
        .where(
            TicketAttachment.id == attachment_id,
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.is_internal.is_(False),
        )
    )
    if attachment is None:
        abort(404)
    return send_file(
        attachments.path_of(attachment.stored_name),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
