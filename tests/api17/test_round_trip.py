"""The finance round trip of docs/api.md, step by step: upsert the customer by its external id
(twice), issue an invoice, take it from the queue with its customer object and PDF, mark it
processed, report an unpaid sale, then its payment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Payment

CUSTOMER = {
    "company_name": "Acme Oy",
    "vat_number": "FI20774740",
    "currency": "EUR",
    "billing_city": "Helsinki",
    "billing_country": "FI",
    "language": "fi",
}
LINE = {"description": "Audit", "quantity": "5", "unit_price": "200.00", "tax_rate": "25.00"}


def test_finance_round_trip_of_docs_api_md(api, make_token):
    api.token = make_token("ERP", scopes=("read", "write", "invoices"))
    # 1. Upsert by external id: twice is one customer.
    created = api.request("PUT", "/customers/by-external-id/ERP-4711", CUSTOMER)
    assert created.status_code == 201
    customer = created.get_json()
    assert customer["external_id"] == "ERP-4711"
    again = api.request("PUT", "/customers/by-external-id/ERP-4711", CUSTOMER)
    assert again.status_code == 200 and again.get_json()["id"] == customer["id"]
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
    contact = api.post(
        f"/customers/{customer['id']}/contacts",
        {"first_name": "Anna", "last_name": "Virtanen", "email": "anna@acme.example"},
    ).get_json()
    assert api.get("/contacts?email=anna@acme.example").get_json()["data"][0]["id"] == contact["id"]
    assert api.get("/customers?q=acme helsinki").get_json()["total"] == 1
    # 2. Issue an invoice.
    draft = api.post(
        "/invoices",
        {"customer_id": customer["id"], "due_date": "2026-02-28", "lines": [LINE]},
        headers={"Idempotency-Key": "inv-2026-0001"},
    ).get_json()
    issued = api.post(f"/invoices/{draft['id']}/issue").get_json()
    assert issued["status"] == "unpaid" and issued["total"] == "1250.00"
    # 3. The queue with the customer object and the contact, then the PDF in Finnish.
    [queued] = api.get("/invoices/unprocessed?per_page=100").get_json()["data"]
    assert queued["customer"] == {
        "id": customer["id"],
        "number": customer["number"],
        "name": "Acme Oy",
        "vat_number": "FI20774740",
        "external_id": "ERP-4711",
    }
    assert queued["contact"]["email"] == "anna@acme.example"
    pdf = api.get(f"/invoices/{draft['id']}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert f"Lasku-{issued['number']}.pdf" in pdf.headers["Content-Disposition"]
    # 4. Mark processed: the queue is empty.
    done = api.post(f"/invoices/{draft['id']}/processed", {"reference": "ERP-2026-0815"})
    assert done.status_code == 200
    assert api.get("/invoices/unprocessed").get_json()["total"] == 0
    # 5. An unpaid sale: no payment.
    sale = {
        "invoice_number": issued["number"],
        "reference": "ERP-2026-0815",
        "amount": "1250.00",
        "currency": "EUR",
    }
    unpaid = api.post(
        "/sales",
        {**sale, "status": "unpaid", "due_date": "2026-02-28"},
        headers={"Idempotency-Key": "sale-ERP-2026-0815"},
    )
    assert unpaid.status_code == 201
    assert unpaid.get_json()["payment_id"] is None
    assert unpaid.get_json()["invoice_status"] == "unpaid"
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    # 6. Then its payment.
    paid = api.post("/sales", {**sale, "status": "paid", "paid_at": date.today().isoformat()})
    assert paid.status_code == 200 and paid.get_json()["id"] == unpaid.get_json()["id"]
    assert paid.get_json()["invoice_status"] == "paid"
    assert api.get("/sales?status=unpaid").get_json()["data"] == []
    # 7. The invoice is paid.
    final = api.get(f"/invoices/{draft['id']}").get_json()
    assert (final["status"], final["amount_due"]) == ("paid", "0.00")
