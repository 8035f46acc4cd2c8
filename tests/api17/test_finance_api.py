"""The finance API of issue 17: upsert by external id, ``q`` on customers, the global contacts
list, the customer object on invoices, the PDF (``invoices`` scope), unpaid sales and the sales
list. Each with its 422 naming the field, and who must not get what."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Invoice, Payment, Sale
from tests.api.conftest import field_errors

BODY = {"company_name": "Fjord Events AS", "billing_country": "NO", "language": "de"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_upsert_twice_is_one_customer_then_updates(api):
    first = api.request("PUT", "/customers/by-external-id/ERP-77", BODY)
    assert first.status_code == 201, first.get_json()
    again = api.request("PUT", "/customers/by-external-id/ERP-77", BODY)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["external_id"] == "ERP-77"
    assert _count(Customer) == 1
    renamed = api.request(
        "PUT", "/customers/by-external-id/ERP-77", {**BODY, "company_name": "Fjord AS"}
    )
    assert renamed.status_code == 200 and renamed.get_json()["company_name"] == "Fjord AS"
    assert _count(Customer) == 1
    found = api.get("/customers?external_id=ERP-77").get_json()
    assert [c["id"] for c in found["data"]] == [first.get_json()["id"]]


def test_upsert_bad_input_is_422_with_the_field_and_writes_nothing(api):
    response = api.request("PUT", "/customers/by-external-id/ERP-1", {"billing_country": "NO"})
    assert response.status_code == 422 and "company_name" in field_errors(response)
    response = api.request("PUT", "/customers/by-external-id/" + "x" * 65, BODY)
    assert response.status_code == 422 and "external_id" in field_errors(response)
    response = api.request("PUT", "/customers/by-external-id/ERP-1", {**BODY, "phone": 5})
    assert response.status_code == 422 and "phone" in field_errors(response)
    assert _count(Customer) == 0


def test_external_id_is_unique_on_create_and_patch(api):
    one = api.post("/customers", {**BODY, "external_id": "A-1"}).get_json()
    assert one["external_id"] == "A-1"
    two = api.post("/customers", {"company_name": "Other Oy"}).get_json()
    clash = api.patch(f"/customers/{two['id']}", {"external_id": "A-1"})
    assert clash.status_code == 422 and "external_id" in field_errors(clash)
    clash = api.post("/customers", {"company_name": "Third Oy", "external_id": "A-1"})
    assert clash.status_code == 422 and "external_id" in field_errors(clash)
    cleared = api.patch(f"/customers/{one['id']}", {"external_id": ""})
    assert cleared.status_code == 200 and cleared.get_json()["external_id"] is None
    assert _count(Customer) == 2


def test_read_only_token_cannot_upsert(api, make_token):
    reader = make_token("Reader", scopes=("read",))
    response = api.request("PUT", "/customers/by-external-id/E-1", BODY, token=reader)
    assert response.status_code == 403
    assert _count(Customer) == 0


def test_q_searches_customers_instead_of_returning_everyone(api, make_customer, make_contact):
    fjord = make_customer("Fjord Events AS")
    make_customer("Nordic Catering Oy")
    make_contact(make_customer("Baltic Tours"), email="mari@baltic.example")
    found = api.get("/customers?q=fjord").get_json()
    assert [c["id"] for c in found["data"]] == [fjord.id] and found["total"] == 1
    by_email = api.get("/customers?q=mari@baltic").get_json()
    assert [c["company_name"] for c in by_email["data"]] == ["Baltic Tours"]
    assert api.get("/customers?q=nothing-like-this").get_json()["total"] == 0
    assert api.get("/customers").get_json()["total"] == 3
    response = api.get("/customers?q=" + "x" * 121)
    assert response.status_code == 422 and "q" in field_errors(response)


def test_contacts_list_across_customers_and_by_email(api, make_customer, make_contact):
    one = make_contact(make_customer("A Oy"), email="anna@a.example")
    make_contact(make_customer("B Oy"), email="bert@b.example")
    everyone = api.get("/contacts").get_json()
    assert everyone["total"] == 2
    found = api.get("/contacts?email=ANNA@a.example").get_json()
    assert [c["id"] for c in found["data"]] == [one.id]
    assert found["data"][0]["customer_id"] == one.customer_id
    assert api.get("/contacts?email=nobody@x.example").get_json()["data"] == []
    response = api.get("/contacts?email=a")
    assert response.status_code == 422 and "email" in field_errors(response)
    assert api.get("/contacts", token="pt_unknown").status_code == 401


def test_invoice_payload_has_the_customer_object_and_the_contact(
    api, make_customer, make_contact, make_invoice
):
    customer = make_customer("Fjord Events AS", vat_number="NO974760673MVA")
    api.patch(f"/customers/{customer.id}", {"external_id": "ERP-9"})
    contact = make_contact(customer, first_name="Kari", last_name="Nordmann")
    invoice = make_invoice(customer, issue=True)
    body = api.get(f"/invoices/{invoice.id}").get_json()
    assert body["customer"] == {
        "id": customer.id,
        "number": customer.number,
        "name": "Fjord Events AS",
        "vat_number": customer.vat_number,
        "external_id": "ERP-9",
    }
    assert body["contact"]["id"] == contact.id and body["contact"]["last_name"] == "Nordmann"
    queued = api.get("/invoices/unprocessed").get_json()["data"][0]
    assert queued["customer"]["external_id"] == "ERP-9"
    assert api.get("/invoices").get_json()["data"][0]["customer"]["name"] == "Fjord Events AS"


def test_invoice_without_contacts_has_contact_null(api, make_invoice):
    invoice = make_invoice(issue=True)
    assert api.get(f"/invoices/{invoice.id}").get_json()["contact"] is None


def test_pdf_needs_the_invoices_scope(api, make_token, make_customer, make_invoice):
    invoice = make_invoice(make_customer(language="de"), issue=True)
    response = api.get(f"/invoices/{invoice.id}/pdf")  # read and write, not invoices
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert api.get(f"/invoices/{invoice.id}/pdf", token="pt_unknown").status_code == 401


def test_pdf_in_the_customer_language_and_accept_language_overrides(
    api, make_token, make_customer, make_invoice
):
    token = make_token("Documents", scopes=("invoices",))
    invoice = make_invoice(make_customer(language="de"), issue=True)
    response = api.get(f"/invoices/{invoice.id}/pdf", token=token)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Content-Language"] == "de"
    assert f"Rechnung-{invoice.number}.pdf" in response.headers["Content-Disposition"]
    finnish = api.get(
        f"/invoices/{invoice.id}/pdf", token=token, headers={"Accept-Language": "fi, en;q=0.5"}
    )
    assert finnish.status_code == 200 and finnish.headers["Content-Language"] == "fi"
    assert f"Lasku-{invoice.number}.pdf" in finnish.headers["Content-Disposition"]
    assert api.get("/invoices/999999/pdf", token=token).status_code == 404
    # The invoices scope alone reads no JSON.
    assert api.get(f"/invoices/{invoice.id}", token=token).status_code == 403


def _sale(api, number, **extra):
    body = {"invoice_number": number, "reference": "FIN-1", "amount": "248.00", "currency": "EUR"}
    return api.post("/sales", {**body, **extra})


def test_unpaid_sale_records_no_payment_then_its_payment(api, make_invoice):
    invoice = make_invoice(issue=True)  # 2 x 100.00 + 24 % = 248.00
    due = (date.today() + timedelta(days=30)).isoformat()
    unpaid = _sale(api, invoice.number, status="unpaid", due_date=due)
    assert unpaid.status_code == 201, unpaid.get_json()
    body = unpaid.get_json()
    assert body["status"] == "unpaid" and body["due_date"] == due
    assert body["payment_id"] is None and body["paid_at"] is None
    assert body["invoice_status"] == "unpaid" and body["amount_due"] == "248.00"
    assert _count(Payment) == 0
    # The same report again changes nothing.
    assert _sale(api, invoice.number, status="unpaid", due_date=due).status_code == 200
    assert _count(Sale) == 1 and _count(Payment) == 0
    paid = _sale(api, invoice.number, status="paid", paid_at=date.today().isoformat())
    assert paid.status_code == 200
    assert paid.get_json()["status"] == "paid" and paid.get_json()["payment_id"] is not None
    assert paid.get_json()["invoice_status"] == "paid" and paid.get_json()["amount_due"] == "0.00"
    assert _count(Sale) == 1 and _count(Payment) == 1
    assert db.session.get(Invoice, invoice.id).status == "paid"
    back = _sale(api, invoice.number, status="unpaid")
    assert back.status_code == 409 and back.get_json()["error"]["code"] == "sale_paid"
    other = _sale(api, invoice.number, amount="10.00", status="unpaid")
    assert other.status_code == 409


def test_sale_bad_input_is_422_with_the_field(api, make_invoice):
    invoice = make_invoice(issue=True)
    response = _sale(api, invoice.number)  # paid is the default: paid_at is required
    assert response.status_code == 422 and set(field_errors(response)) == {"paid_at"}
    response = _sale(api, invoice.number, status="maybe", paid_at="2026-01-01")
    assert response.status_code == 422 and "status" in field_errors(response)
    response = _sale(api, invoice.number, status="unpaid", due_date="next week")
    assert response.status_code == 422 and "due_date" in field_errors(response)
    response = _sale(api, invoice.number, status="unpaid", currency="USD")
    assert response.status_code == 422 and "currency" in field_errors(response)
    response = _sale(api, "INV-NOPE", status="unpaid")
    assert response.status_code == 422 and "invoice_number" in field_errors(response)
    response = _sale(api, invoice.number, status="unpaid", amount="0")
    assert response.status_code == 422 and "amount" in field_errors(response)
    assert _count(Sale) == 0 and _count(Payment) == 0


def test_list_sales_with_filters(api, make_customer, make_invoice):
    first = make_invoice(make_customer("A Oy"), issue=True)
    second = make_invoice(make_customer("B Oy"), issue=True)
    _sale(api, first.number, status="unpaid")
    _sale(api, second.number, reference="FIN-2", paid_at=date.today().isoformat())
    everything = api.get("/sales").get_json()
    assert everything["total"] == 2
    unpaid = api.get("/sales?status=unpaid").get_json()["data"]
    assert [s["invoice_number"] for s in unpaid] == [first.number]
    by_number = api.get(f"/sales?invoice_number={second.number}").get_json()["data"]
    assert [s["reference"] for s in by_number] == ["FIN-2"]
    by_customer = api.get(f"/sales?customer_id={first.customer_id}").get_json()["data"]
    assert [s["status"] for s in by_customer] == ["unpaid"]
    assert api.get("/sales?reference=FIN-2").get_json()["total"] == 1
    response = api.get("/sales?status=maybe")
    assert response.status_code == 422 and "status" in field_errors(response)


def test_sales_list_query_count_is_fixed(api, make_customer, make_invoice, count_queries):
    def run() -> int:
        with count_queries() as counter:
            assert api.get("/sales?per_page=100").status_code == 200
        return counter.count

    customer = make_customer()
    for i in range(2):
        _sale(api, make_invoice(customer, issue=True).number, reference=f"R{i}", status="unpaid")
    few = run()
    for i in range(2, 8):
        _sale(api, make_invoice(customer, issue=True).number, reference=f"R{i}", status="unpaid")
    assert run() == few
