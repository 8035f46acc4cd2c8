"""``flask invoices recur`` and ``flask invoices remind`` through Flask's CLI runner: what they
print, that a second run does nothing, and that numbers issued from the CLI stay gapless."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice, OutboxEmail
from portal.services import billing
from portal.services.billing.drafts import save_invoice_draft
from portal.services.platform.audit import SYSTEM, acting_as

LINE = {"description": "Monthly support", "quantity": "1", "unit_price": "500", "tax_rate": "24"}


@pytest.fixture
def issue(write):
    def run(customer, **data) -> Invoice:
        write()
        with acting_as(SYSTEM):
            invoice = save_invoice_draft(
                None, {"customer_id": customer.id, "lines": [LINE], **data}
            )
            billing.issue_invoice(invoice)
            db.session.commit()
        return invoice

    return run


def invoke(app, *args: str):
    result = app.test_cli_runner().invoke(args=["invoices", *args])
    db.session.expire_all()
    return result


def numbers() -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(Invoice.number).where(Invoice.kind == "invoice").order_by(Invoice.number)
        )
    )


def test_recur_creates_issues_and_is_idempotent(app, issue, write, make_customer, make_contact):
    customer = make_customer("Monthly Ltd")
    make_contact(customer, email="billing@monthly.example")
    monthly = issue(customer, issue_date="2025-01-15", recurring_months="1")
    quarterly = issue(customer, issue_date="2025-01-20", recurring_months="3")
    one_off = issue(customer, issue_date="2025-01-21")
    write()
    with acting_as(SYSTEM):
        billing.cancel_invoice(one_off)  # keeps INV-000003; nothing may reuse it
        db.session.commit()

    result = invoke(app, "recur", "--today", "2025-03-15")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Issued INV-000004 (from INV-000001)",
        "Issued INV-000005 (from INV-000001)",
        "Created 2 invoice(s), queued 2 email(s).",
    ]
    again = invoke(app, "recur", "--today", "2025-03-15")
    assert again.exit_code == 0 and again.output == "No recurring invoices due on 2025-03-15.\n"

    result = invoke(app, "recur", "--today", "2025-04-20", "--no-email")
    assert "Issued INV-000006 (from INV-000001)" in result.output
    assert "Issued INV-000007 (from INV-000002)" in result.output
    assert numbers() == [f"INV-{n:06d}" for n in range(1, 8)]
    children = db.session.scalars(
        select(Invoice).where(Invoice.recurring_parent_id == quarterly.id)
    ).all()
    assert [(c.issue_date, c.status) for c in children] == [(date(2025, 4, 20), "unpaid")]
    assert db.session.get(Invoice, monthly.id).next_recurring_date == date(2025, 5, 15)
    emails = db.session.scalars(select(OutboxEmail.recipient)).all()
    assert emails == ["billing@monthly.example"] * 2


def test_remind_queues_once_per_interval(app, issue, make_customer, make_contact):
    customer = make_customer("Late Payer Oy")
    make_contact(customer, email="ap@late.example")
    overdue = issue(customer, issue_date="2025-03-01", due_date="2025-03-10")
    silent = make_customer("Nobody to write to")
    issue(silent, issue_date="2025-03-01", due_date="2025-03-10")

    result = invoke(app, "remind", "--today", "2025-03-20")
    assert result.exit_code == 0, result.output
    assert f"Reminder queued: {overdue.number} to ap@late.example" in result.output
    assert "Skipped INV-000002: the customer has no active contact." in result.output
    assert "Queued 1 reminder(s)." in result.output
    result = invoke(app, "remind", "--today", "2025-03-20")
    assert "Queued 0 reminder(s)." in result.output
    result = invoke(app, "remind", "--today", "2025-03-27")
    assert "Queued 1 reminder(s)." in result.output
    db.session.rollback()
    templates = db.session.scalars(select(OutboxEmail.template)).all()
    assert templates == ["payment_reminder", "payment_reminder"]


def test_recur_with_nothing_to_do(app):
    result = invoke(app, "recur")
    assert result.exit_code == 0
    assert result.output.startswith("No recurring invoices due on ")
