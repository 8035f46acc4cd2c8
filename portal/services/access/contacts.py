"""Scoped look-ups for the client portal: what a contact may see.

A contact sees only its own customer's records, only in the areas its permissions allow, and
only documents that were issued or sent (never drafts). Every portal page goes through these
helpers, so another customer's id - or an area the contact may not use - answers 404 exactly
like an id that does not exist (it reveals nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from flask import abort
from sqlalchemy import ColumnElement, Integer, Select, bindparam, false, func, select

from portal.extensions import db
from portal.models import (
    Contact,
    Currency,
    Estimate,
    Invoice,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from portal.models.billing import (
    estimate_display_status,
    invoice_amount_due,
    invoice_display_status,
)
from portal.services.platform.paging import Page

#: Statuses a contact never sees.
HIDDEN_INVOICE_STATUSES = ("draft",)
HIDDEN_ESTIMATE_STATUSES = ("draft",)


def _invoice_rules(customer_id: Any) -> tuple[ColumnElement[bool], ...]:
    return (
        Invoice.customer_id == customer_id,
        Invoice.status.not_in(HIDDEN_INVOICE_STATUSES),
        Invoice.number.is_not(None),
    )


def _estimate_rules(customer_id: Any) -> tuple[ColumnElement[bool], ...]:
    return (
        Estimate.customer_id == customer_id,
        Estimate.status.not_in(HIDDEN_ESTIMATE_STATUSES),
        Estimate.number.is_not(None),
    )


def visible_invoices(contact: Contact) -> Select[tuple[Invoice]]:
    """The issued invoices (and credit notes) of the contact's customer; nothing without the
    ``invoices`` permission."""
    stmt = select(Invoice).where(*_invoice_rules(contact.customer_id))
    return stmt if contact.may("invoices") else stmt.where(false())


def visible_estimates(contact: Contact) -> Select[tuple[Estimate]]:
    """The sent (or later) estimates of the contact's customer."""
    stmt = select(Estimate).where(*_estimate_rules(contact.customer_id))
    return stmt if contact.may("estimates") else stmt.where(false())


def visible_tickets(contact: Contact) -> Select[tuple[Ticket]]:
    """The tickets of the contact's customer."""
    stmt = select(Ticket).where(Ticket.customer_id == contact.customer_id)
    return stmt if contact.may("tickets") else stmt.where(false())


# -- the document lists ------------------------------------------------------------------------


class CurrencyRef(NamedTuple):
    """What the ``money`` filter needs of a currency."""

    code: str
    decimal_places: int


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One line of the portal's invoice or estimate list, read as a plain row. ``status`` is the
    one to show (``overdue``, ``expired`` derived); ``due_date`` is an estimate's expiry date."""

    id: int
    number: str
    kind: str
    issue_date: date | None
    due_date: date | None
    status: str
    total: Decimal
    amount_due: Decimal
    currency: CurrencyRef


@cache
def _list_statements(kind: str) -> tuple[Select[Any], Select[Any]]:
    """The statements of a list page (rows with the total; the total alone) built once, with
    the customer, limit and offset as parameters: building them costs more than running them."""
    model, rules, columns = _LISTS[kind]
    customer = bindparam("customer_id", type_=Integer)
    where = rules(customer)
    counting = select(func.count()).select_from(model).where(*where)
    rows = (
        select(
            *columns(),
            Currency.code,
            Currency.decimal_places,
            counting.correlate(None).scalar_subquery(),  # the whole list's count, not per row
        )
        .select_from(model)
        .join(Currency, Currency.id == model.currency_id)
        .where(*where)
        .order_by(model.issue_date.desc(), model.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    return rows, counting


def _document_page(
    kind: str, contact: Contact, number: int, per_page: int
) -> tuple[list[Any], int]:
    """The rows of page ``number`` (newest first) and the total, in one statement."""
    if not contact.may(kind):  # the list's name is its portal permission
        return [], 0
    rows_stmt, count_stmt = _list_statements(kind)
    params = {"customer_id": contact.customer_id}
    rows = db.session.execute(
        rows_stmt, {**params, "limit": per_page, "offset": (number - 1) * per_page}
    ).all()
    if rows:
        return rows, rows[0][-1]
    return [], db.session.scalar(count_stmt, params) or 0


def invoice_page(contact: Contact, number: int, per_page: int, today: date) -> Page[DocumentRow]:
    """Page ``number`` of the invoices (and credit notes) ``contact`` may see, newest first."""
    rows, total = _document_page("invoices", contact, number, per_page)
    items = [
        DocumentRow(
            id=r[0],
            number=r[1],
            kind=r[2],
            issue_date=r[3],
            due_date=r[4],
            status=invoice_display_status(r[5], r[4], today),
            total=r[6],
            amount_due=invoice_amount_due(r[5], r[6], r[7]),
            currency=CurrencyRef(r[8], r[9]),
        )
        for r in rows
    ]
    return Page(items, number, per_page, total)


def estimate_page(contact: Contact, number: int, per_page: int, today: date) -> Page[DocumentRow]:
    """Page ``number`` of the estimates ``contact`` may see, newest first."""
    rows, total = _document_page("estimates", contact, number, per_page)
    items = [
        DocumentRow(
            id=r[0],
            number=r[1],
            kind="estimate",
            issue_date=r[2],
            due_date=r[3],
            status=estimate_display_status(r[4], r[3], today),
            total=r[5],
            amount_due=Decimal(0),
            currency=CurrencyRef(r[6], r[7]),
        )
        for r in rows
    ]
    return Page(items, number, per_page, total)


#: Per list (named as its portal permission): the model, its visibility rules and the columns a
#: row reads (in the order ``invoice_page`` and ``estimate_page`` unpack them).
_LISTS: dict[str, tuple[Any, Callable[[Any], tuple[ColumnElement[bool], ...]], Any]] = {
    "invoices": (
        Invoice,
        _invoice_rules,
        lambda: (
            Invoice.id,
            Invoice.number,
            Invoice.kind,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.status,
            Invoice.total,
            Invoice.amount_paid,
        ),
    ),
    "estimates": (
        Estimate,
        _estimate_rules,
        lambda: (
            Estimate.id,
            Estimate.number,
            Estimate.issue_date,
            Estimate.expiry_date,
            Estimate.status,
            Estimate.total,
        ),
    ),
}


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


def ticket_attachment_or_404(pk: int, ticket: Ticket) -> TicketAttachment:
    """The attachment ``pk`` of a message of ``ticket`` (a ticket the contact may see) that is
    not an internal note; 404 otherwise."""
    stmt = (
        select(TicketAttachment)
        .join(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.is_internal.is_(False))
    )
    return _one_or_404(stmt, TicketAttachment, pk)  # type: ignore[no-any-return]


def ticket_documents(contact: Contact, limit: int = 50) -> list[tuple[str, int, str]]:
    """What a contact's new ticket may be about, as ``(kind, id, number)``: the newest
    ``limit`` numbered invoices and then estimates of its customer, each only with that
    area's permission."""
    found: list[tuple[str, int, str]] = []
    for kind, model in (("invoice", Invoice), ("estimate", Estimate)):
        if not contact.may(f"{kind}s"):
            continue
        rows = db.session.execute(
            select(model.id, model.number)
            .where(model.customer_id == contact.customer_id, model.number.is_not(None))
            .order_by(model.id.desc())
            .limit(limit)
        )
        found += [(kind, pk, number) for pk, number in rows]
    return found


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
    "ticket_attachment_or_404",
    "ticket_documents",
    "ticket_for_contact_or_404",
    "visible_estimates",
    "visible_invoices",
    "visible_tickets",
]
