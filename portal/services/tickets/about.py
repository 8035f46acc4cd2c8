"""What a ticket is about: one invoice or estimate of the ticket's customer (or nothing).

Staff set and change it; a contact sees it (and its link) only when the document is one the
contact may see anyway (its own customer's, issued or sent, with the area's permission), and a
staff member gets a link only with a view permission over the document's customer."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, Estimate, Invoice, Staff, Ticket
from portal.services.access import contacts as contact_scope
from portal.services.access.staff import can_view, scope_query
from portal.services.errors import ValidationError

Document = Invoice | Estimate

#: The choice of "nothing in particular" in forms (``kind:id`` for a document).
NOTHING = ""


def document(ticket: Ticket) -> Document | None:
    return ticket.invoice or ticket.estimate


def choice_of(ticket: Ticket) -> str:
    """The form value of the ticket's document: ``invoice:12``, ``estimate:3`` or empty."""
    if ticket.invoice_id is not None:
        return f"invoice:{ticket.invoice_id}"
    if ticket.estimate_id is not None:
        return f"estimate:{ticket.estimate_id}"
    return NOTHING


def area_of(doc: Document) -> str:
    return "estimates" if isinstance(doc, Estimate) else "invoices"


def for_contact(ticket: Ticket, contact: Contact) -> Document | None:
    """The ticket's document if ``contact`` may see it, else ``None`` (never another
    customer's, a draft, or an area without the permission)."""
    doc = document(ticket)
    if doc is None:
        return None
    if isinstance(doc, Estimate):
        stmt = contact_scope.visible_estimates(contact).where(Estimate.id == doc.id)
    else:
        stmt = contact_scope.visible_invoices(contact).where(Invoice.id == doc.id)
    return db.session.scalar(stmt)  # type: ignore[no-any-return]


def for_staff(ticket: Ticket, staff: Staff) -> Document | None:
    """The ticket's document if ``staff`` may open it (``view``, or ``view_own`` for the
    customers it looks after), else ``None``."""
    doc = document(ticket)
    if doc is None or not can_view(staff, area_of(doc)):
        return None
    model = type(doc)
    stmt = scope_query(select(model).where(model.id == doc.id), staff, area_of(doc), model)
    return db.session.scalar(stmt)  # type: ignore[no-any-return]


def choices(ticket: Ticket, limit: int = 50) -> list[tuple[str, str]]:
    """What staff may choose: nothing, or one of the newest ``limit`` numbered invoices and
    estimates of the ticket's customer (the current one always among them)."""
    found = [(NOTHING, _("Nothing in particular"))]
    for kind, model in (("invoice", Invoice), ("estimate", Estimate)):
        rows = db.session.execute(
            select(model.id, model.number)
            .where(model.customer_id == ticket.customer_id, model.number.is_not(None))
            .order_by(model.id.desc())
            .limit(limit)
        ).all()
        current = getattr(ticket, kind)
        if current is not None and all(pk != current.id for pk, _n in rows):
            rows.append((current.id, current.number))
        for pk, number in rows:
            found.append((f"{kind}:{pk}", _label(kind, number or "")))
    return found


def _label(kind: str, number: str) -> str:
    if kind == "invoice":
        return _("Invoice %(number)s", number=number)
    return _("Estimate %(number)s", number=number)


def set_about(ticket: Ticket, choice: str | None) -> bool:
    """Staff set the ticket's document (``invoice:12``, ``estimate:3``) or clear it (empty).
    Only a numbered document of the ticket's customer; returns whether anything changed."""
    kind, _sep, raw = (choice or NOTHING).partition(":")
    invoice_id = estimate_id = None
    if kind:
        model = {"invoice": Invoice, "estimate": Estimate}.get(kind)
        doc = (
            db.session.get(model, int(raw))
            if model is not None and raw.isdigit() and len(raw) < 10
            else None
        )
        if doc is None or doc.customer_id != ticket.customer_id or doc.number is None:
            message = _("Choose an invoice or estimate of this customer.")
            raise ValidationError(message, fields={"about": message})
        invoice_id = doc.id if kind == "invoice" else None
        estimate_id = doc.id if kind == "estimate" else None
    if (ticket.invoice_id, ticket.estimate_id) == (invoice_id, estimate_id):
        return False
    ticket.invoice_id, ticket.estimate_id = invoice_id, estimate_id
    db.session.flush()
    db.session.expire(ticket, ["invoice", "estimate"])
    return True
