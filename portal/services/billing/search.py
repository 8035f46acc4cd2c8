"""Text search on the staff lists of invoices, credit notes and estimates: by document number,
or by the customer's name, number or VAT number through the customer token index
(:mod:`portal.services.customers.search_index`), so a search never scans the documents' text.

``q`` is split into words. A document matches when its number starts with the whole query
(``INV-2026``, case as typed or upper-cased), or when its customer has a token starting with
every word (``nordic 5432``: the customer whose name has "Nordic" and whose number or VAT
number starts with "5432"). The condition is combined with the list's own filters and the
member's scope by the caller.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, intersect, or_, select

from portal.models import INVOICE_STATUSES, Invoice
from portal.models.search import TOKEN_LENGTH, CustomerSearchToken
from portal.services.customers.search_index import fold

#: At most this many words are looked up (as on the customer list).
MAX_WORDS = 6
MAX_QUERY = 100
_HIGH = "\uffff"


def clean_query(raw: str | None) -> str:
    """The query as searched: trimmed, inner white space collapsed, at most 100 characters."""
    return " ".join((raw or "").split())[:MAX_QUERY]


def _words(q: str) -> list[str]:
    return [w for w in q.split() if fold(w)][:MAX_WORDS]


def _customers_with(word: str) -> Any:
    folded = fold(word)[:TOKEN_LENGTH]
    return select(CustomerSearchToken.customer_id).where(
        CustomerSearchToken.token >= folded, CustomerSearchToken.token < folded + _HIGH
    )


def _number_starts(column: Any, q: str) -> ColumnElement[bool]:
    prefixes = sorted({q, q.upper()})
    return or_(*(and_(column >= p, column < p + _HIGH) for p in prefixes))


def matches(model: Any, q: str) -> ColumnElement[bool] | None:
    """The condition for documents of ``model`` (``Invoice`` or ``Estimate``) matching ``q``,
    or ``None`` for an empty query (no condition)."""
    q = clean_query(q)
    words = _words(q)
    if not q:
        return None
    conditions = [_number_starts(model.number, q)]
    if len(words) == 1:
        conditions.append(model.customer_id.in_(_customers_with(words[0])))
    elif words:
        # The customers with every word, intersected before the documents are looked up (one
        # common word alone would look up the documents of thousands of customers).
        both = intersect(*(_customers_with(w) for w in words)).subquery()
        conditions.append(model.customer_id.in_(select(both.c.customer_id)))
    return or_(*conditions)


#: The invoice statuses staff filter by: the stored ones, ``open`` (unpaid or partially paid,
#: due or not) and ``overdue`` (open and past the due date).
INVOICE_FILTERS = ("draft", "open", "unpaid", "partially_paid", "overdue", "paid", "credited")
INVOICE_FILTERS += ("cancelled",)


def invoice_status(status: str, today: date, searching: bool = False) -> ColumnElement[bool] | None:
    """The condition of an invoice status filter (``None``: any status). ``searching``: the
    list also has a text search, which must drive the plan; the status is then compared as an
    expression (``status || ''``) that no index serves, or SQLite walks every open invoice
    through the status index checking each against the search (100,000 open invoices: 2 s
    instead of 20 ms)."""
    column: Any = Invoice.status.op("||")("") if searching else Invoice.status
    if status == "overdue":
        return and_(column.in_(("unpaid", "partially_paid")), Invoice.due_date < today)
    if status == "open":
        return column.in_(("unpaid", "partially_paid"))
    if status in INVOICE_STATUSES:
        return column == status
    return None


__all__ = ["INVOICE_FILTERS", "clean_query", "invoice_status", "matches"]
