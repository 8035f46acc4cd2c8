"""Choosing a customer for a new document and moving a draft to another customer.

:func:`customer_choices` is the customer picker's list (the customers a member may bill in an
area, found through the customer token index); :func:`change_customer` moves a draft invoice or
estimate to another customer, its currency following the new customer's, unless the draft's
currency is fixed: a credit note belongs to its invoice, and a draft made from an accepted
estimate keeps the currency the customer accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select

from portal.extensions import db
from portal.models import Currency, Customer, Estimate, Invoice, Staff
from portal.models.search import TOKEN_LENGTH, CustomerSearchToken
from portal.services.access.staff import visible_filter
from portal.services.billing.drafts import _check_version as check_version
from portal.services.billing.drafts import flush
from portal.services.billing.search import clean_query
from portal.services.customers.search_index import fold
from portal.services.errors import ConflictError, ValidationError

#: How many customers the picker lists at most (a longer list means: type more).
PICKER_LIMIT = 20
_HIGH = "\uffff"


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    id: int
    number: str
    company_name: str
    vat_number: str | None
    billing_city: str | None
    currency_code: str


def customer_choices(staff: Staff, area: str, q: str, limit: int = PICKER_LIMIT) -> list[Any]:
    """The active customers ``staff`` may see in ``area`` with a token starting with every word
    of ``q`` (name, number, VAT number, city, contacts), by name; ``limit + 1`` rows at most, so
    the caller can tell that there are more. An empty ``q`` lists nothing."""
    words = [w for w in clean_query(q).split() if fold(w)][:6]
    if not words:
        return []
    conditions = [visible_filter(staff, area, Customer), Customer.is_active.is_(True)]
    for word in words:
        folded = fold(word)[:TOKEN_LENGTH]
        conditions.append(
            Customer.id.in_(
                select(CustomerSearchToken.customer_id).where(
                    CustomerSearchToken.token >= folded,
                    CustomerSearchToken.token < folded + _HIGH,
                )
            )
        )
    stmt = (
        select(
            Customer.id,
            Customer.number,
            Customer.company_name,
            Customer.vat_number,
            Customer.billing_city,
            Currency.code,
        )
        .join(Currency, Currency.id == Customer.currency_id)
        .where(and_(*conditions))
        .order_by(Customer.company_name, Customer.id)
        .limit(limit + 1)
    )
    return [CustomerChoice(*row) for row in db.session.execute(stmt)]


def _currency_fixed(document: Invoice | Estimate) -> bool:
    return isinstance(document, Invoice) and document.estimate_id is not None


def change_customer(
    document: Invoice | Estimate, customer: Customer, expected_version: Any = None
) -> Invoice | Estimate:
    """Moves the draft ``document`` to ``customer``; its currency becomes the customer's.
    Refused for an issued document, a credit note, an inactive customer, and when the draft's
    currency is fixed and the customer is billed in another one."""
    check_version(document, expected_version)
    if document.status != "draft":
        raise ConflictError(_("Only a draft's customer can be changed."), code="not_draft")
    if isinstance(document, Invoice) and document.kind == "credit_note":
        raise ConflictError(
            _("A credit note belongs to the customer of its invoice."),
            code="credit_note_customer",
        )
    if not customer.is_active:
        message = _("This customer is inactive.")
        raise ValidationError(message, fields={"customer_id": message})
    if customer.currency_id != document.currency_id and _currency_fixed(document):
        message = _(
            "The currency of this draft is fixed (%(code)s, from the accepted estimate); "
            "the chosen customer is billed in %(other)s.",
            code=document.currency.code,
            other=customer.currency.code,
        )
        raise ValidationError(message, fields={"customer_id": message})
    document.customer = customer
    document.currency = customer.currency
    flush()
    return document


__all__ = ["PICKER_LIMIT", "CustomerChoice", "change_customer", "customer_choices"]
