"""The customer search token index: every customer's words (name, number, VAT number, cities,
country, its contacts' names and emails), folded, in ``customer_search_tokens``.

Tokens are kept current by a flush listener: whenever a customer or one of its contacts is
created, changed or deleted, that customer's tokens are rebuilt in the same transaction. The
list query that reads them is :mod:`portal.services.customers.search`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from portal.models import Contact, Customer
from portal.models.database import listen_once
from portal.models.search import TOKEN_LENGTH, CustomerSearchToken

_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-cases and strips accents: ``"García Søn"`` -> ``"garcia søn"`` (ø has no
    decomposition and stays)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens_of(*values: str | None) -> set[str]:
    """Whole words (split on white space), their alphanumeric parts, each folded."""
    result: set[str] = set()
    for value in values:
        if not value:
            continue
        for word in fold(value).split():
            result.add(word[:TOKEN_LENGTH])
            result.update(part[:TOKEN_LENGTH] for part in _SPLIT.split(word) if part)
    return result


def customer_tokens(customer: Customer, contacts: Iterable[Contact]) -> set[str]:
    values: list[str | None] = [
        customer.company_name,
        customer.number,
        customer.vat_number,
        customer.billing_city,
        customer.billing_country,
        customer.shipping_city,
    ]
    for contact in contacts:
        values += [contact.first_name, contact.last_name, contact.email]
    return tokens_of(*values)


def rebuild(session: Session, customer_ids: Iterable[int]) -> None:
    """Rebuilds the tokens of these customers from the database (Core statements)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    conn = session.connection()
    conn.execute(delete(CustomerSearchToken).where(CustomerSearchToken.customer_id.in_(ids)))
    customers = {
        row.id: row
        for row in conn.execute(
            select(
                Customer.id,
                Customer.company_name,
                Customer.number,
                Customer.vat_number,
                Customer.billing_city,
                Customer.billing_country,
                Customer.shipping_city,
            ).where(Customer.id.in_(ids))
        )
    }
    contact_values: dict[int, list[str | None]] = {}
    for row in conn.execute(
        select(Contact.customer_id, Contact.first_name, Contact.last_name, Contact.email).where(
            Contact.customer_id.in_(ids)
        )
    ):
        contact_values.setdefault(row.customer_id, []).extend(row[1:])
    rows = [
        {"customer_id": cid, "token": token}
        for cid, c in customers.items()
        for token in tokens_of(
            c.company_name,
            c.number,
            c.vat_number,
            c.billing_city,
            c.billing_country,
            c.shipping_city,
            *contact_values.get(cid, []),
        )
    ]
    if rows:
        conn.execute(insert(CustomerSearchToken), rows)


def register() -> None:
    """Installs the flush listener that keeps the token index current (called by
    ``create_app``)."""
    listen_once(Session, "after_flush", _reindex)


def _reindex(session: Session, _ctx: Any) -> None:
    touched: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Customer) and obj not in session.deleted and obj.id is not None:
            touched.add(obj.id)
        elif isinstance(obj, Contact) and obj.customer_id is not None:
            touched.add(obj.customer_id)
    deleted_customers = {o.id for o in session.deleted if isinstance(o, Customer)}
    touched -= deleted_customers
    if touched:
        rebuild(session, touched)


def rebuild_all(session: Session, chunk: int = 2000) -> int:
    """Rebuilds the whole index (after a bulk load); returns the number of customers."""
    ids = list(session.scalars(select(Customer.id).order_by(Customer.id)))
    for start in range(0, len(ids), chunk):
        rebuild(session, ids[start : start + chunk])
    return len(ids)
