"""Support tickets: open, reply, internal notes, status/priority/assignment, close, and the
notifications that go with them (through the outbox, in each recipient's language).

Rules: a contact's new ticket or reply notifies the assigned staff member, or every active staff
member who may see the customer's tickets when nobody is assigned; a staff reply (not an internal
note) notifies the contact. A staff reply sets the status to ``answered``, a contact reply to
``open``. Internal notes are never shown to contacts and notify nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import (
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Contact,
    Customer,
    Estimate,
    Invoice,
    Role,
    RolePermission,
    Staff,
    Ticket,
    TicketAttachment,
    TicketMessage,
    customer_admins,
)
from portal.models.base import utcnow
from portal.services.access import contacts as portal_scope
from portal.services.errors import ValidationError
from portal.services.platform import email, validation
from portal.services.platform.labels import labels
from portal.services.platform.validation import Errors
from portal.services.tickets import attachments
from portal.services.tickets.attachments import CheckedFile

MAX_MESSAGE = 20000


def priority_label(priority: str) -> str:
    return labels("priority").get(priority, priority)


def status_label(status: str) -> str:
    return labels("ticket").get(status, status)


def priority_choices() -> list[tuple[str, str]]:
    """Every priority with its label, for a form's select (admin and portal)."""
    return [(p, priority_label(p)) for p in TICKET_PRIORITIES]


def with_status(stmt: Select[tuple[Ticket]], status: str) -> Select[tuple[Ticket]]:
    """A ticket list narrowed by its status filter: ``active`` (every ticket not closed), one
    of :data:`TICKET_STATUSES`, or else not narrowed."""
    if status == "active":
        return stmt.where(Ticket.status != "closed")
    if status in TICKET_STATUSES:
        return stmt.where(Ticket.status == status)
    return stmt


def checked_uploads(uploads: Iterable[Any] | None) -> list[CheckedFile]:
    """A form's uploaded files (anything with ``filename`` and ``stream``; empty ones are
    skipped), each checked by :func:`attachments.check`."""
    return [
        attachments.check(f.filename or "", f.stream) for f in uploads or [] if f and f.filename
    ]


def _message_body(data: Mapping[str, Any], errors: Errors) -> str | None:
    return validation.text(data, "message", errors, required=True, max_length=MAX_MESSAGE)


def _check_files(files: list[CheckedFile], errors: Errors) -> None:
    if len(files) > attachments.MAX_FILES:
        errors.add("attachments", _("At most %(n)d files per message.", n=attachments.MAX_FILES))


def _attach(message: TicketMessage, files: Iterable[CheckedFile], stored: list[str]) -> None:
    for checked in files:
        name = attachments.store(checked)
        stored.append(name)
        message.attachments.append(
            TicketAttachment(
                original_name=checked.original_name,
                stored_name=name,
                content_type=checked.content_type,
                size=len(checked.data),
            )
        )


def open_ticket(
    customer: Customer,
    data: Mapping[str, Any],
    files: list[CheckedFile],
    *,
    contact: Contact | None = None,
    staff: Staff | None = None,
    stored: list[str] | None = None,
) -> Ticket:
    """Opens a ticket for ``customer`` by a contact (the portal) or a staff member (the admin,
    on the customer's behalf, optionally for one of its contacts via ``contact_id``).

    ``stored`` collects the names of the files written, so the caller can remove them if the
    transaction does not commit."""
    stored = stored if stored is not None else []
    errors = Errors()
    subject = validation.text(data, "subject", errors, required=True, max_length=255)
    priority = data.get("priority") or "medium"
    if priority not in TICKET_PRIORITIES:
        errors.add("priority", _("Choose a priority from the list."))
    body = _message_body(data, errors)
    _check_files(files, errors)
    seer = contact if staff is None else None
    invoice_id = _own_document(Invoice, data.get("invoice_id"), customer, errors, seer)
    estimate_id = _own_document(Estimate, data.get("estimate_id"), customer, errors, seer)
    if staff is not None and contact is None and data.get("contact_id"):
        contact = (
            db.session.get(Contact, int(data["contact_id"]))
            if str(data["contact_id"]).isdigit()
            else None
        )
        if contact is None or contact.customer_id != customer.id:
            errors.add("contact_id", _("Choose a contact of this customer."))
            contact = None
    errors.raise_if_any()
    ticket = Ticket(
        customer=customer,
        contact=contact,
        subject=subject,
        priority=priority,
        status="open",
        invoice_id=invoice_id,
        estimate_id=estimate_id,
        last_message_at=utcnow(),
    )
    message = TicketMessage(
        author_contact=contact if staff is None else None,
        author_staff=staff,
        body=body,
        is_internal=False,
    )
    ticket.messages.append(message)
    _attach(message, files, stored)
    db.session.add(ticket)
    db.session.flush()
    if staff is None:
        _notify_staff(ticket, message, is_new=True)
    elif contact is not None:
        _notify_contact(ticket, message)
    return ticket


def _own_document(
    model: Any, raw: Any, customer: Customer, errors: Errors, contact: Contact | None = None
) -> int | None:
    """The id of a numbered document of ``customer``; with ``contact`` (a contact opens the
    ticket), only one the contact may see (its area's permission, not hidden)."""
    if raw in (None, "", 0, "0"):
        return None
    doc = db.session.get(model, int(raw)) if str(raw).isdigit() and len(str(raw)) < 10 else None
    hidden = doc is not None and contact is not None and not _contact_sees(doc, contact)
    if doc is None or doc.customer_id != customer.id or doc.number is None or hidden:
        field = "invoice_id" if model is Invoice else "estimate_id"
        errors.add(field, _("Choose one of your documents."))
        return None
    return doc.id


def _contact_sees(doc: Any, contact: Contact) -> bool:
    scope = (
        portal_scope.visible_estimates(contact)
        if isinstance(doc, Estimate)
        else portal_scope.visible_invoices(contact)
    )
    model = type(doc)
    found = db.session.scalar(scope.with_only_columns(model.id).where(model.id == doc.id))
    return found is not None


def reply(
    ticket: Ticket,
    data: Mapping[str, Any],
    files: list[CheckedFile],
    *,
    contact: Contact | None = None,
    staff: Staff | None = None,
    internal: bool = False,
    stored: list[str] | None = None,
) -> TicketMessage:
    """Adds a message by a contact or a staff member (staff may make it an internal note)."""
    if (contact is None) == (staff is None):
        raise ValueError("a reply has exactly one author")
    stored = stored if stored is not None else []
    errors = Errors()
    body = _message_body(data, errors)
    _check_files(files, errors)
    if contact is not None and ticket.status == "closed":
        errors.add("message", _("This ticket is closed. Please open a new ticket."))
    errors.raise_if_any()
    message = TicketMessage(
        ticket=ticket,
        author_contact=contact,
        author_staff=staff,
        body=body,
        is_internal=bool(internal and staff is not None),
    )
    _attach(message, files, stored)
    db.session.add(message)
    if not message.is_internal:
        ticket.last_message_at = utcnow()
        ticket.status = "answered" if staff is not None else "open"
    db.session.flush()
    if message.is_internal:
        return message
    if staff is not None:
        _notify_contact(ticket, message)
    else:
        _notify_staff(ticket, message, is_new=False)
    return message


def update(ticket: Ticket, data: Mapping[str, Any]) -> Ticket:
    """Staff change status, priority and assignee."""
    errors = Errors()
    if "status" in data:
        if data["status"] not in TICKET_STATUSES:
            errors.add("status", _("Choose a status from the list."))
        else:
            ticket.status = data["status"]
    if "priority" in data:
        if data["priority"] not in TICKET_PRIORITIES:
            errors.add("priority", _("Choose a priority from the list."))
        else:
            ticket.priority = data["priority"]
    if "assigned_staff_id" in data:
        raw = data["assigned_staff_id"]
        if raw in (None, "", 0, "0"):
            ticket.assigned_staff_id = None
        else:
            member = db.session.get(Staff, int(raw)) if str(raw).isdigit() else None
            if member is None or not member.is_active:
                errors.add("assigned_staff_id", _("Choose an active staff member."))
            else:
                ticket.assigned_staff = member
    if errors.fields:
        db.session.expire(ticket)
        errors.raise_if_any()
    db.session.flush()
    return ticket


def close(ticket: Ticket) -> None:
    ticket.status = "closed"
    db.session.flush()


# -- notifications --------------------------------------------------------------------------


def staff_to_notify(ticket: Ticket) -> list[Staff]:
    """The assigned member, or every active member who may see this customer's tickets."""
    if ticket.assigned_staff is not None:
        return [ticket.assigned_staff] if ticket.assigned_staff.is_active else []
    everyone = select(Staff).join(Role).where(Staff.is_active)
    members = list(db.session.scalars(everyone))
    assigned = set(
        db.session.scalars(
            select(customer_admins.c.staff_id).where(
                customer_admins.c.customer_id == ticket.customer_id
            )
        )
    )
    result = []
    for member in members:
        if member.has_permission("tickets.view") or (
            member.has_permission("tickets.view_own") and member.id in assigned
        ):
            result.append(member)
    return result


def _author_name(message: TicketMessage) -> str:
    if message.author_staff is not None:
        return message.author_staff.name
    if message.author_contact is not None:
        return message.author_contact.full_name
    return _("Deleted contact")


def _notify_staff(ticket: Ticket, message: TicketMessage, is_new: bool) -> None:
    for member in staff_to_notify(ticket):
        locale = locale_of(member)
        with force_locale(locale):
            label = priority_label(ticket.priority)
        email.queue(
            "ticket_staff_notification",
            member.email,
            locale,
            name=member.name,
            ticket=ticket,
            is_new=is_new,
            author_name=_author_name(message),
            priority_label=label,
            message=message.body,
            link=email.absolute_url("admin.ticket_detail", ticket_id=ticket.id),
        )


def _notify_contact(ticket: Ticket, message: TicketMessage) -> None:
    contact = ticket.contact
    if contact is None or not contact.is_active:
        return
    email.queue(
        "ticket_reply_contact",
        contact.email,
        locale_of(contact),
        contact=contact,
        ticket=ticket,
        author_name=_author_name(message),
        message=message.body,
        link=email.absolute_url("clients.ticket", id=ticket.id),
    )


def visible_messages(ticket: Ticket, for_contact: bool) -> list[TicketMessage]:
    return [m for m in ticket.messages if not (for_contact and m.is_internal)]


__all__ = [
    "RolePermission",
    "ValidationError",
    "checked_uploads",
    "close",
    "open_ticket",
    "priority_choices",
    "reply",
    "update",
    "with_status",
]
