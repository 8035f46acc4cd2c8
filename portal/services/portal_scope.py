"""Scoped look-ups for the client portal: what a contact may see.

A contact sees only its own customer's records, only in the areas its permissions allow, and
only documents that were issued or sent (never drafts). Every portal page goes through these
helpers, so another customer's id - or an area the contact may not use - answers 404 exactly
like an id that does not exist (it reveals nothing).
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import Select, false, select

from portal.extensions import db
from portal.models import Contact, Estimate, Invoice, Ticket

#: Statuses a contact never sees.
HIDDEN_INVOICE_STATUSES = ("draft",)
HIDDEN_ESTIMATE_STATUSES = ("draft",)


def visible_invoices(contact: Contact) -> Select[tuple[Invoice]]:
    """The issued invoices (and credit notes) of the contact's customer; nothing without the
    ``invoices`` permission."""
    stmt = select(Invoice).where(
        Invoice.customer_id == contact.customer_id,
        Invoice.status.not_in(HIDDEN_INVOICE_STATUSES),
        Invoice.number.is_not(None),
    )
    return stmt if contact.may("invoices") else stmt.where(false())


def visible_estimates(contact: Contact) -> Select[tuple[Estimate]]:
    """The sent (or later) estimates of the contact's customer."""
    stmt = select(Estimate).where(
        Estimate.customer_id == contact.customer_id,
        Estimate.status.not_in(HIDDEN_ESTIMATE_STATUSES),
        Estimate.number.is_not(None),
    )
    return stmt if contact.may("estimates") else stmt.where(false())


def visible_tickets(contact: Contact) -> Select[tuple[Ticket]]:
    """The tickets of the contact's customer."""
    stmt = select(Ticket).where(Ticket.customer_id == contact.customer_id)
    return stmt if contact.may("tickets") else stmt.where(false())


def _one_or_404(stmt: Select[Any], model: Any, pk: int) -> Any:
    obj = db.session.scalar(stmt.where(model.id == pk))
    if obj is None:
        abort(404)
    return obj


def invoice_for_contact_or_404(pk: int, contact: Contact) -> Invoice:
    """The invoice ``pk`` when ``contact`` may see it; 404 otherwise."""
    return _one_or_404(visible_invoices(contact), Invoice, pk)  # type: ignore[no-any-return]


def estimate_for_contact_or_404(pk: int, contact: Contact) -> Estimate:
    return _one_or_404(visible_estimates(contact), Estimate, pk)  # type: ignore[no-any-return]


def ticket_for_contact_or_404(pk: int, contact: Contact) -> Ticket:
    return _one_or_404(visible_tickets(contact), Ticket, pk)  # type: ignore[no-any-return]


def team_member_or_404(pk: int, contact: Contact) -> Contact:
    """Another contact of the same customer (for contacts who manage their company)."""
    if not contact.may("company"):
        abort(404)
    stmt = select(Contact).where(Contact.customer_id == contact.customer_id)
    return _one_or_404(stmt, Contact, pk)  # type: ignore[no-any-return]


__all__ = [
    "estimate_for_contact_or_404",
    "invoice_for_contact_or_404",
    "team_member_or_404",
    "ticket_for_contact_or_404",
    "visible_estimates",
    "visible_invoices",
    "visible_tickets",
]
