"""The finance round trip: the queue of issued invoices, marking them processed, sales."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import Invoice, Payment
from tests.api.conftest import field_errors
from tests.conftest import PASSWORD  # noqa: F401 - the contact's password in login_contact


def test_round_trip_customer_to_paid_in_the_portal(api, client, login_contact):
    # 1. Customer master data and a contact with a portal login.
    customer = api.post(
        "/customers",
        {"company_name": "Round Trip Oy", "vat_number": "FI01120389", "currency": "EUR"},
    ).get_json()
    contact = api.post(
        f"/customers/{customer['id']}/contacts",
        {
            "first_name": "Ritva",
            "last_name": "Round",
            "email": "ritva@example.com",
            "send_welcome_email": True,
        },
    ).get_json()
    assert contact["is_primary"]
    # 2. A draft invoice, then issued: it gets its number and enters the queue.
    invoice = api.post(
        "/invoices",
        {
            "customer_id": customer["id"],
            "lines": [
                {
                    "description": "Audit",
                    "quantity": "5",
                    "unit_price": "200.00",
                    "tax_rate": "25.00",
                }
            ],
        },
    ).get_json()
    issued = api.post(f"/invoices/{invoice['id']}/issue").get_json()
    number = issued["number"]
    assert issued["total"] == "1250.00" and issued["status"] == "unpaid"
    # 3. The finance system takes it from the queue and marks it processed.
    queue = api.get("/invoices/unprocessed").get_json()
    assert [i["number"] for i in queue["data"]] == [number]
    done = api.post(f"/invoices/{invoice['id']}/processed", {"reference": "FIN-2026-1"})
    assert done.status_code == 200
    assert done.get_json()["finance_reference"] == "FIN-2026-1"
    assert api.get("/invoices/unprocessed").get_json()["data"] == []
    # 4. It reports the payment; a full payment makes the invoice paid.
    sale = api.post(
        "/sales",
        {
            "invoice_number": number,
            "reference": "BANK-1",
            "amount": "1250.00",
            "currency": "EUR",
            "paid_at": date.today().isoformat(),
        },
    )
    assert sale.status_code == 201
    assert sale.get_json()["invoice_status"] == "paid"
    assert sale.get_json()["amount_due"] == "0.00"
    assert api.get(f"/invoices/{invoice['id']}").get_json()["status"] == "paid"
    # 5. The contact sees it paid in the client portal.
    from portal.models import Contact
    from portal.services.identity import passwords

    row = db.session.get(Contact, contact["id"])
    row.password_hash = passwords.hash_password("correct horse battery")
    db.session.commit()
    login_contact(row)
    page = client.get(f"/clients/invoices/{invoice['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert number in html
    assert "Paid" in html


def test_queue_is_oldest_first_and_skips_drafts(api, make_customer, make_invoice):
    customer = make_customer()
    first = make_invoice(customer, issue=True)
    make_invoice(customer)  # a draft is not in the queue
    second = make_invoice(customer, issue=True)
    db.session.execute(
        db.update(Invoice)
        .where(Invoice.id == second.id)
        .values(issued_at=first.issued_at - timedelta(hours=1))
    )
    db.session.commit()
    body = api.get("/invoices/unprocessed").get_json()
    assert [i["id"] for i in body["data"]] == [second.id, first.id]
    assert body["total"] == 2
    page = api.get("/invoices/unprocessed?per_page=1&page=2").get_json()
    assert [i["id"] for i in page["data"]] == [first.id]
    assert api.get("/invoices/unprocessed?per_page=500").status_code == 422


def test_processed_same_reference_is_noop_other_is_409(api, make_invoice):
    invoice = make_invoice(issue=True)
    first = api.post(f"/invoices/{invoice.id}/processed", {"reference": "R-1"}).get_json()
    again = api.post(f"/invoices/{invoice.id}/processed", {"reference": "R-1"})
    assert again.status_code == 200
    assert again.get_json()["processed_at"] == first["processed_at"]
    other = api.post(f"/invoices/{invoice.id}/processed", {"reference": "R-2"})
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "already_processed"
    assert db.session.get(Invoice, invoice.id).finance_reference == "R-1"


def test_processed_errors(api, make_invoice):
    draft = make_invoice()
    response = api.post(f"/invoices/{draft.id}/processed", {"reference": "R"})
    assert response.status_code == 409
    assert api.post("/invoices/999/processed", {"reference": "R"}).status_code == 404
    response = api.post(f"/invoices/{draft.id}/processed", {"reference": ""})
    assert response.status_code == 422 and "reference" in field_errors(response)
    response = api.post(f"/invoices/{draft.id}/processed", {})
    assert response.status_code == 422 and "reference" in field_errors(response)


def _sale(api, number, amount, reference="P-1", **extra):
    return api.post(
        "/sales",
        {
            "invoice_number": number,
            "reference": reference,
            "amount": amount,
            "currency": "EUR",
            "paid_at": date.today().isoformat(),
            **extra,
        },
    )


def test_partial_then_full_payment(api, make_invoice):
    invoice = make_invoice(issue=True)  # 2 x 100.00 + 24 % = 248.00
    partial = _sale(api, invoice.number, "100.00", "P-1")
    assert partial.status_code == 201
    assert partial.get_json()["invoice_status"] == "partially_paid"
    assert partial.get_json()["amount_due"] == "148.00"
    full = _sale(api, invoice.number, "148.00", "P-2", method="bank transfer")
    assert full.get_json()["invoice_status"] == "paid"
    assert full.get_json()["method"] == "bank transfer"
    assert db.session.get(Invoice, invoice.id).status == "paid"


def test_same_sale_reference_again_is_the_same_payment(api, make_invoice):
    invoice = make_invoice(issue=True)
    first = _sale(api, invoice.number, "10.00", "DUP")
    again = _sale(api, invoice.number, "10.00", "DUP")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    conflict = _sale(api, invoice.number, "11.00", "DUP")
    assert conflict.status_code == 409
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 1


def test_sale_validation(api, make_invoice, make_currency):
    invoice = make_invoice(issue=True)
    response = _sale(api, "INV-999999", "1.00")
    assert response.status_code == 422 and "invoice_number" in field_errors(response)
    response = _sale(api, invoice.number, "999.00")
    assert response.status_code == 422 and "amount" in field_errors(response)
    response = _sale(api, invoice.number, 10.0)
    assert response.status_code == 422 and "amount" in field_errors(response)
    response = _sale(api, invoice.number, "1.001")
    assert response.status_code == 422 and "amount" in field_errors(response)
    make_currency("USD", "$", 2)
    response = _sale(api, invoice.number, "1.00", currency="USD")
    assert response.status_code == 422 and "currency" in field_errors(response)
    future = (date.today() + timedelta(days=3)).isoformat()
    response = _sale(api, invoice.number, "1.00", paid_at=future)
    assert response.status_code == 422 and "paid_at" in field_errors(response)
    response = api.post("/sales", {"invoice_number": invoice.number})
    assert response.status_code == 422
    assert {"reference", "amount", "currency", "paid_at"} <= set(field_errors(response))
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 0


def test_sale_on_draft_or_paid_invoice_is_409(api, make_invoice):
    invoice = make_invoice(issue=True)
    _sale(api, invoice.number, "248.00", "ALL")
    response = _sale(api, invoice.number, "1.00", "MORE")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invoice_paid"
