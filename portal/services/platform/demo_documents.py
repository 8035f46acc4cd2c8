"""The documents of a demo customer (:mod:`portal.services.platform.demo`): invoices and
estimates in each status, issued and sent through the billing services, and a ticket."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from portal.extensions import db
from portal.models import (
    Contact,
    Customer,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceLine,
    Ticket,
    TicketMessage,
)
from portal.models.base import utcnow
from portal.services import billing
from portal.services.billing.totals import recalculate
from portal.services.platform.demo_data import LINE_ITEMS


def _lines(rng: random.Random, line_model: type, tax: Decimal) -> list:
    chosen = rng.sample(LINE_ITEMS, 3)
    return [
        line_model(
            position=i,
            description=d,
            quantity=Decimal(rng.randint(1, 12)),
            unit_price=p,
            tax_percent=tax,
            discount_percent=Decimal("10") if i == 2 else Decimal("0"),
        )
        for i, (d, p) in enumerate(chosen)
    ]


def seed_documents(
    customer: Customer, contact: Contact, today: date, rng: random.Random, index: int
) -> None:
    """Four invoices (paid, unpaid, overdue, draft), three estimates (sent, accepted, draft) and
    an open ticket from ``contact``; ``index`` is the customer's place in the demo."""
    tax = Decimal("0") if customer.billing_country in ("GB", "US") else Decimal("24")
    for n, status in enumerate(("paid", "unpaid", "overdue", "draft")):
        invoice = Invoice(
            customer=customer,
            currency=customer.currency,
            kind="invoice",
            status="draft",
            lines=_lines(rng, InvoiceLine, tax),
            custom_fields={"PO number": f"PO-{4400 + index * 10 + n}"}
            if customer.invoice_fields
            else {},
        )
        db.session.add(invoice)
        if status == "draft":
            recalculate(invoice)
            continue
        issued = today - timedelta(days=60 if status == "overdue" else 10 + n)
        invoice.issue_date = issued
        invoice.due_date = issued + timedelta(days=14)
        billing.issue_invoice(invoice, today)
        if status == "paid":
            invoice.amount_paid = invoice.total
            invoice.status = "paid"
    for status in ("sent", "accepted", "draft"):
        estimate = Estimate(
            customer=customer,
            currency=customer.currency,
            status="draft",
            lines=_lines(rng, EstimateLine, tax),
        )
        db.session.add(estimate)
        if status == "draft":
            recalculate(estimate)
            continue
        billing.send_estimate(estimate, today)
        if status == "accepted":
            estimate.status = "accepted"
            estimate.accepted_at = utcnow()
            estimate.accepted_by_name = contact.full_name
    ticket = Ticket(
        customer=customer,
        contact=contact,
        subject="Question about my last invoice",
        priority="medium",
        status="open",
    )
    ticket.messages.append(
        TicketMessage(
            author_contact=contact,
            body="Hello, could you send the invoice with our PO number on it?",
        )
    )
    db.session.add(ticket)
