"""The portal's invoice and estimate lists read plain rows: the same statuses, amounts, order,
totals and scoping as the documents themselves."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import Estimate, Invoice
from portal.models.database import begin_write
from portal.services import billing
from portal.services.access import contacts as portal_scope
from portal.services.billing import payments
from portal.services.platform.audit import SYSTEM, acting_as


def _change(document, **values) -> None:
    begin_write(db.session)
    with acting_as(SYSTEM):
        obj = db.session.get(type(document), document.id)
        for name, value in values.items():
            setattr(obj, name, value)
        db.session.commit()


def test_invoice_rows_match_the_documents(make_customer, make_contact, make_invoice):
    customer = make_customer()
    contact = make_contact(customer)
    today = date.today()
    overdue = make_invoice(customer, issue=True)
    _change(overdue, due_date=today - timedelta(days=1), issue_date=today - timedelta(days=30))
    paid_part = make_invoice(customer, issue=True)
    begin_write(db.session)
    with acting_as(SYSTEM):
        invoice = db.session.get(Invoice, paid_part.id)
        payments.record_payment(invoice, "10.00", today, "Bank", "RF-1")
        db.session.commit()
    cancelled = make_invoice(customer, issue=True)
    begin_write(db.session)
    with acting_as(SYSTEM):
        billing.cancel_invoice(db.session.get(Invoice, cancelled.id))
        db.session.commit()
    make_invoice(customer)  # a draft: never listed
    make_invoice(make_customer(), issue=True)  # another customer's

    page = portal_scope.invoice_page(contact, 1, 25, today)
    assert page.total == 3
    by_id = {row.id: row for row in page.items}
    assert set(by_id) == {overdue.id, paid_part.id, cancelled.id}
    db.session.expire_all()
    for row in page.items:
        document = db.session.get(Invoice, row.id)
        assert row.status == document.display_status(today)
        assert row.amount_due == document.amount_due
        assert (row.number, row.total) == (document.number, document.total)
        assert row.currency == (document.currency.code, document.currency.decimal_places)
    assert by_id[overdue.id].status == "overdue"
    assert by_id[paid_part.id].status == "partially_paid"
    assert by_id[cancelled.id].amount_due == 0
    assert page.items[-1].id == overdue.id  # oldest issue date last


def test_pages_and_totals(make_customer, make_contact, make_invoice):
    customer = make_customer()
    contact = make_contact(customer)
    ids = [make_invoice(customer, issue=True).id for _ in range(5)]
    today = date.today()
    first = portal_scope.invoice_page(contact, 1, 2, today)
    third = portal_scope.invoice_page(contact, 3, 2, today)
    beyond = portal_scope.invoice_page(contact, 9, 2, today)
    assert (first.total, first.pages, third.total, beyond.total) == (5, 3, 5, 5)
    assert [r.id for r in first.items] == ids[::-1][:2]  # same day: newest id first
    assert [r.id for r in third.items] == ids[:1]
    assert beyond.items == []


def test_permissions_and_estimates(make_customer, make_contact, make_invoice, make_estimate):
    customer = make_customer()
    primary = make_contact(customer)  # the first contact is the primary one: sees everything
    contact = make_contact(customer, permissions=["tickets"])
    make_invoice(customer, issue=True)
    sent = make_estimate(customer, send=True)
    make_estimate(customer)  # a draft
    today = date.today()
    assert portal_scope.invoice_page(contact, 1, 25, today).total == 0
    assert portal_scope.estimate_page(contact, 1, 25, today).total == 0
    _change(sent, expiry_date=today - timedelta(days=1))
    page = portal_scope.estimate_page(primary, 1, 25, today)
    assert [(r.id, r.status) for r in page.items] == [(sent.id, "expired")]
    assert db.session.get(Estimate, sent.id).display_status(today) == "expired"
