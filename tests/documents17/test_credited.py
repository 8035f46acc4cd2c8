"""Issue 17: an invoice fully credited by credit notes is ``credited``, not ``paid``: in the
lists and their filter, on the PDF, in the API and its status filter; it is neither outstanding
nor paid revenue on the dashboards, and it fires no ``invoice.paid`` webhook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Invoice
from portal.models.webhooks import WebhookDelivery
from portal.services import billing
from portal.services.billing import payments
from portal.services.dashboards import rules
from portal.services.errors import ConflictError
from portal.services.platform.audit import SYSTEM, acting_as
from tests.api.conftest import Api, api, make_token  # noqa: F401  (fixtures)
from tests.documents17.conftest import ALL_BILLING, text_of

LINES = [("Work", "1", "100.00", "0")]


def _credit(invoice: Invoice, lines=None) -> Invoice:
    with acting_as(SYSTEM):
        row = db.session.get(Invoice, invoice.id)
        note = billing.issue_invoice(billing.create_credit_note(row, lines))
        db.session.commit()
    return note


@pytest.fixture
def credited(make_invoice, write) -> Invoice:
    invoice = make_invoice(issue=True, lines=LINES)
    write()
    _credit(invoice)
    return db.session.get(Invoice, invoice.id)


def test_full_credit_note_makes_the_invoice_credited(credited):
    assert credited.status == "credited" and credited.amount_due == Decimal("0.00")


def test_partial_credit_then_payment_is_paid(make_invoice, write):
    invoice = make_invoice(issue=True, lines=LINES)
    write()
    _credit(
        invoice, [{"description": "Part", "quantity": "1", "unit_price": "40", "tax_rate": "0"}]
    )
    assert db.session.get(Invoice, invoice.id).status == "partially_paid"
    write()
    with acting_as(SYSTEM):
        payments.record_payment(db.session.get(Invoice, invoice.id), "60", date.today())
        db.session.commit()
    assert db.session.get(Invoice, invoice.id).status == "paid"  # money settled the rest


def test_credited_invoice_takes_no_payment(credited, write):
    write()
    with pytest.raises(ConflictError) as caught, acting_as(SYSTEM):
        payments.record_payment(credited, "1", date.today())
    db.session.rollback()
    assert caught.value.code == "invoice_credited"


def test_credited_in_the_list_and_its_filter(credited, make_invoice, staff_client):
    paid_elsewhere = make_invoice(issue=True, lines=LINES)
    client, _ = staff_client(ALL_BILLING)
    page = client.get("/admin/invoices?status=credited&kind=invoice").get_data(as_text=True)
    assert credited.number in page and paid_elsewhere.number not in page
    assert 'class="badge status-credited">Credited<' in page
    assert '<option value="credited" selected>Credited</option>' in page
    assert credited.number not in client.get("/admin/invoices?status=paid").get_data(True)
    detail = client.get(f"/admin/invoices/{credited.id}").get_data(as_text=True)
    assert "status-credited" in detail


def test_credited_on_the_pdf(credited, staff_client):
    client, _ = staff_client(ALL_BILLING)
    response = client.get(f"/admin/invoices/{credited.id}/pdf")
    text = text_of(response.data)
    assert text.startswith("CREDITED ")  # the stamp
    assert "Credited -€100.00 Amount due €0.00" in text
    assert "PAID" not in text.upper()


def test_credited_in_the_api(credited, make_invoice, api: Api):  # noqa: F811
    other = make_invoice(issue=True, lines=LINES)
    assert api.get(f"/invoices/{credited.id}").get_json()["status"] == "credited"
    listed = api.get("/invoices?status=credited").get_json()
    ids = {row["id"] for row in listed["data"]}
    assert credited.id in ids and other.id not in ids
    assert api.get("/invoices?status=refunded").status_code == 422


def test_credited_is_neither_outstanding_nor_paid_revenue(credited, make_invoice):
    open_invoice = make_invoice(issue=True, lines=LINES)
    open_rows = set(db.session.scalars(db.select(Invoice.id).where(rules.open_invoice())))
    assert open_invoice.id in open_rows and credited.id not in open_rows
    assert credited.payments == []  # a credit note is no payment: nothing counts as paid


def test_no_paid_webhook_for_a_credited_invoice(api: Api, make_invoice, write, allow_private):  # noqa: F811
    api.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["invoice.paid"]})
    invoice = make_invoice(issue=True, lines=LINES)
    write()
    _credit(invoice)
    assert db.session.scalars(db.select(WebhookDelivery)).all() == []


@pytest.fixture
def allow_private(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
