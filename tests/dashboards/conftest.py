"""A small set of books whose figures are worked out by hand (see ``books``), built through the
billing services: issued invoices, a credit note, a cancelled invoice, a draft, partial and
full payments, two currencies, invoices of last year, estimates in every outcome and tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.extensions import db
from portal.models import (
    Customer,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceLine,
    Staff,
    Ticket,
)
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import payments
from portal.services.billing.totals import recalculate
from portal.services.customers import reference
from portal.services.platform.audit import SYSTEM, acting_as
from tests.admin.conftest import staff_client  # noqa: F401 (a fixture used here too)
from tests.clients.conftest import contact_client  # noqa: F401

#: The day the books are looked at (a Monday): the last twelve months run from July 2025.
TODAY = date(2026, 6, 15)


def _line(model: type, amount: str) -> Any:
    return model(
        position=0,
        description="Work",
        quantity=Decimal(1),
        unit_price=Decimal(amount),
        tax_percent=Decimal(0),
        discount_percent=Decimal(0),
    )


@dataclass
class Books:
    alpha: Customer  #: EUR, group Events; ``own`` is its customer admin
    beta: Customer  #: EUR, no group
    gamma: Customer  #: USD, group Events
    own: Staff  #: view_own in invoices, estimates, tickets
    agent: Staff  #: the assignee of two open tickets
    invoices: dict[str, int]


class Writer:
    """Builds documents through the services, each in its own committed write transaction."""

    def __init__(self) -> None:
        self.stack: list[Any] = []

    def __enter__(self) -> Writer:
        begin_write(db.session)
        self.stack.append(acting_as(SYSTEM))
        self.stack[-1].__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.pop().__exit__(None, None, None)
        if exc[0] is None:
            db.session.commit()
        else:
            db.session.rollback()


def invoice(customer: Customer, amount: str, issued: date, due: date) -> Invoice:
    """An invoice of ``amount`` (no tax) issued on ``issued``, due on ``due``."""
    with Writer():
        customer = db.session.merge(customer)
        doc = Invoice(
            customer=customer,
            currency=customer.currency,
            status="draft",
            kind="invoice",
            lines=[_line(InvoiceLine, amount)],
            issue_date=issued,
            due_date=due,
        )
        db.session.add(doc)
        recalculate(doc)
        billing.issue_invoice(doc, issued)
    return doc


def credit(doc: Invoice, amount: str, issued: date) -> Invoice:
    with Writer():
        doc = db.session.merge(doc)
        note = billing.create_credit_note(
            doc, [{"description": "Credit", "quantity": "1", "unit_price": amount, "tax_rate": "0"}]
        )
        note.issue_date = issued
        billing.issue_invoice(note, issued)
    return note


def pay(doc: Invoice, amount: str, day: date) -> None:
    with Writer():
        payments.record_payment(db.session.merge(doc), amount, day.isoformat(), "transfer")


def estimate(customer: Customer, issued: date, expires: date, outcome: str) -> Estimate:
    with Writer():
        customer = db.session.merge(customer)
        doc = Estimate(
            customer=customer,
            currency=customer.currency,
            status="draft",
            lines=[_line(EstimateLine, "100.00")],
            issue_date=issued,
            expiry_date=expires,
        )
        db.session.add(doc)
        recalculate(doc)
        if outcome != "draft":
            billing.send_estimate(doc, issued)
        if outcome in ("accepted", "declined", "invoiced"):
            doc.status = outcome
    return doc


@pytest.fixture
def books(make_customer: Callable[..., Customer], make_staff: Callable[..., Staff]) -> Books:
    """Today is 15 June 2026. Every amount is without tax.

    Alpha (EUR, Events): A1 1000.00 of 10 Jan, due 9 Feb, 400.00 paid on 20 Feb (600.00 over 90
    days overdue); A2 500.00 of 1 May, due 31 May, credited 200.00 on 20 May (300.00, 15 days
    overdue); A3 300.00 of 10 Jun, due 10 Jul (current); A4 250.00 of 5 Mar, cancelled; a 999.00
    draft.
    Beta (EUR, no group): B1 800.00 of 1 Apr, due 10 Apr, paid in full on 15 Apr; B2 120.00 of
    1 Mar, due 20 Apr (56 days overdue); B3 100.00 of 10 May 2025, due 9 Jun 2025 (over 90 days,
    before the last twelve months).
    Gamma (USD, Events): C1 2000.00 of 1 Jun, due 5 Jun, 500.00 paid on 12 Jun (1500.00, 10 days
    overdue).
    """
    with Writer():
        reference.save_group(None, {"name": "Events"})
    alpha = make_customer("Alpha GmbH", groups=["Events"])
    beta = make_customer("Beta Oy")
    gamma = make_customer("Gamma Inc", currency="USD", groups=["Events"])
    own = make_staff(["invoices.view_own", "estimates.view_own", "tickets.view_own"])
    agent = make_staff(["tickets.view"])
    docs: dict[str, Invoice] = {}
    docs["A1"] = invoice(alpha, "1000.00", date(2026, 1, 10), date(2026, 2, 9))
    pay(docs["A1"], "400.00", date(2026, 2, 20))
    docs["A2"] = invoice(alpha, "500.00", date(2026, 5, 1), date(2026, 5, 31))
    docs["CN"] = credit(docs["A2"], "200.00", date(2026, 5, 20))
    docs["A3"] = invoice(alpha, "300.00", date(2026, 6, 10), date(2026, 7, 10))
    docs["A4"] = invoice(alpha, "250.00", date(2026, 3, 5), date(2026, 4, 4))
    with Writer():
        billing.cancel_invoice(db.session.merge(docs["A4"]))
    with Writer():
        draft = Invoice(
            customer=db.session.merge(alpha),
            currency=db.session.merge(alpha).currency,
            status="draft",
            kind="invoice",
            lines=[_line(InvoiceLine, "999.00")],
            issue_date=date(2026, 6, 1),
        )
        db.session.add(draft)
        recalculate(draft)
    docs["B1"] = invoice(beta, "800.00", date(2026, 4, 1), date(2026, 4, 10))
    pay(docs["B1"], "800.00", date(2026, 4, 15))
    docs["B2"] = invoice(beta, "120.00", date(2026, 3, 1), date(2026, 4, 20))
    docs["B3"] = invoice(beta, "100.00", date(2025, 5, 10), date(2025, 6, 9))
    docs["C1"] = invoice(gamma, "2000.00", date(2026, 6, 1), date(2026, 6, 5))
    pay(docs["C1"], "500.00", date(2026, 6, 12))

    # Estimates: the last 90 days run from 18 March 2026.
    estimate(alpha, date(2026, 6, 1), date(2026, 7, 1), "sent")  # open
    estimate(alpha, date(2026, 5, 1), date(2026, 5, 31), "sent")  # expired
    estimate(beta, date(2026, 4, 1), date(2026, 5, 1), "accepted")
    estimate(beta, date(2026, 4, 10), date(2026, 5, 10), "declined")
    estimate(gamma, date(2026, 5, 10), date(2026, 6, 10), "invoiced")
    estimate(alpha, date(2026, 1, 5), date(2026, 2, 5), "accepted")  # before the 90 days
    estimate(alpha, date(2026, 6, 2), date(2026, 7, 2), "draft")

    with Writer():
        for customer, status, assignee in (
            (alpha, "open", None),
            (alpha, "in_progress", agent),
            (beta, "answered", agent),
            (beta, "closed", agent),
        ):
            db.session.add(
                Ticket(
                    customer_id=customer.id,
                    subject=f"{status} ticket",
                    status=status,
                    assigned_staff_id=assignee.id if assignee else None,
                )
            )
        db.session.get(Customer, alpha.id).admins.append(db.session.get(Staff, own.id))
    return Books(alpha, beta, gamma, own, agent, {k: v.id for k, v in docs.items()})


@pytest.fixture
def fresh() -> Iterator[Callable[[Any], Any]]:
    """Reloads an object in the current session (after other sessions' commits)."""

    def reload(obj: Any) -> Any:
        db.session.expire_all()
        return db.session.get(type(obj), obj.id)

    yield reload
