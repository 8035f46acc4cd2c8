"""Invoices, estimates and tickets through the API: lines, amounts as strings (never floats),
issuing with numbering, draft locking, 404/409/422."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Invoice, Ticket, TicketMessage
from portal.services.platform.audit import SYSTEM, acting_as
from tests.api.conftest import field_errors

LINES = [
    {"description": "Consulting", "quantity": "10", "unit_price": "100.00", "tax_rate": "24.00"},
    {
        "description": "Travel",
        "quantity": "1",
        "unit_price": "250",
        "tax_rate": "0",
        "discount": "10",
    },
]


def test_create_invoice_with_lines_and_string_amounts(api, make_customer):
    customer = make_customer()
    response = api.post(
        "/invoices",
        {"customer_id": customer.id, "lines": LINES, "notes": "Thanks", "due_date": "2030-01-31"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["number"] is None
    assert body["currency"] == "EUR"
    assert body["subtotal"] == "1225.00"
    assert body["tax_total"] == "240.00"
    assert body["total"] == "1465.00"
    assert body["amount_due"] == "0.00"  # a draft owes nothing yet
    assert [line["net_amount"] for line in body["lines"]] == ["1000.00", "225.00"]
    assert body["lines"][0]["tax_rate"] == "24.00"
    assert body["lines"][1]["discount"] == "10.00"
    assert body["due_date"] == "2030-01-31"
    assert api.get(f"/invoices/{body['id']}").get_json() == body


def test_amounts_as_json_numbers_are_422(api, make_customer):
    customer = make_customer()
    for bad in (
        {"unit_price": 100.5},
        {"unit_price": 100},
        {"quantity": 1.5},
        {"tax_rate": 24.0},
        {"unit_price": "1e3"},
        {"unit_price": "-5"},
    ):
        line = {**LINES[0], **bad}
        response = api.post("/invoices", {"customer_id": customer.id, "lines": [line]})
        assert response.status_code == 422, bad
        field = next(iter(bad))
        assert f"lines.0.{field}" in field_errors(response), (bad, field_errors(response))
    assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 0


def test_service_errors_are_named_like_the_schema(api, make_customer):
    customer = make_customer()
    line = {**LINES[0], "quantity": "0"}
    response = api.post("/invoices", {"customer_id": customer.id, "lines": [line]})
    assert response.status_code == 422
    assert "lines.0.quantity" in field_errors(response)
    response = api.post("/invoices", {"customer_id": 999, "lines": LINES})
    assert response.status_code == 422 and "customer_id" in field_errors(response)
    response = api.post(
        "/invoices",
        {"customer_id": customer.id, "issue_date": "2030-02-01", "due_date": "2030-01-01"},
    )
    assert response.status_code == 422 and "due_date" in field_errors(response)
    response = api.post("/invoices", {"customer_id": customer.id, "issue_date": "31.1.2030"})
    assert response.status_code == 422 and "issue_date" in field_errors(response)


def test_amounts_are_rounded_to_the_currency(api, make_customer):
    customer = make_customer(currency="JPY")
    response = api.post(
        "/invoices",
        {
            "customer_id": customer.id,
            "lines": [
                {"description": "Yen", "quantity": "3", "unit_price": "333", "tax_rate": "10"}
            ],
        },
    )
    body = response.get_json()
    assert body["currency"] == "JPY"
    assert body["total"] == "1099" and body["subtotal"] == "999"


def test_patch_draft_then_issue_assigns_number_then_locked(api, make_customer):
    customer = make_customer()
    invoice = api.post("/invoices", {"customer_id": customer.id, "lines": LINES}).get_json()
    response = api.patch(f"/invoices/{invoice['id']}", {"lines": [LINES[0]], "notes": "New"})
    assert response.status_code == 200
    patched = response.get_json()
    assert patched["total"] == "1240.00" and patched["notes"] == "New"
    stale = api.patch(f"/invoices/{invoice['id']}", {"notes": "x", "version": invoice["version"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "version_conflict"
    issued = api.post(f"/invoices/{invoice['id']}/issue")
    assert issued.status_code == 200
    body = issued.get_json()
    assert body["number"] == "INV-000001" and body["status"] == "unpaid"
    assert body["amount_due"] == "1240.00" and body["issue_date"] is not None
    again = api.post(f"/invoices/{invoice['id']}/issue")
    assert again.status_code == 409
    locked = api.patch(f"/invoices/{invoice['id']}", {"notes": "late"})
    assert locked.status_code == 409
    assert locked.get_json()["error"]["code"] == "invoice_locked"
    second = api.post("/invoices", {"customer_id": customer.id, "lines": LINES}).get_json()
    assert api.post(f"/invoices/{second['id']}/issue").get_json()["number"] == "INV-000002"


def test_issue_empty_invoice_is_409_and_unknown_404(api, make_customer):
    customer = make_customer()
    invoice = api.post("/invoices", {"customer_id": customer.id}).get_json()
    response = api.post(f"/invoices/{invoice['id']}/issue")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invoice_empty"
    assert api.post("/invoices/999/issue").status_code == 404
    assert api.get("/invoices/999").status_code == 404
    assert api.patch("/invoices/999", {"notes": "x"}).status_code == 404


def test_issue_takes_no_body_but_accepts_an_empty_one(api, make_invoice):
    invoice = make_invoice()
    response = api.post(f"/invoices/{invoice.id}/issue", {"extra": 1})
    assert response.status_code == 422
    assert api.post(f"/invoices/{invoice.id}/issue", {}).status_code == 200


def test_invoice_list_filters_and_pagination(api, make_customer, make_invoice, count_queries):
    one, two = make_customer(), make_customer()
    make_invoice(one, issue=True)
    make_invoice(one)
    make_invoice(two, issue=True)
    assert api.get("/invoices").get_json()["total"] == 3
    assert api.get(f"/invoices?customer_id={one.id}").get_json()["total"] == 2
    assert api.get("/invoices?status=draft").get_json()["total"] == 1
    assert api.get("/invoices?status=nonsense").status_code == 422
    body = api.get("/invoices?per_page=1&page=3").get_json()
    assert body["page"] == 3 and len(body["data"]) == 1 and body["total"] == 3
    assert api.get("/invoices?per_page=101").status_code == 422
    with count_queries() as few:
        api.get("/invoices?per_page=1")
    with count_queries() as many:
        api.get("/invoices?per_page=3")
    assert few.count == many.count


def test_estimates_create_list_get(api, make_customer, make_estimate):
    customer = make_customer()
    response = api.post(
        "/estimates", {"customer_id": customer.id, "lines": LINES, "expiry_date": "2031-01-01"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["total"] == "1465.00"
    assert body["expiry_date"] == "2031-01-01"
    make_estimate(customer, send=True)
    listed = api.get("/estimates").get_json()
    assert listed["total"] == 2
    assert api.get("/estimates?status=sent").get_json()["data"][0]["number"] == "EST-000001"
    assert api.get(f"/estimates/{body['id']}").get_json()["id"] == body["id"]
    assert api.get("/estimates/999").status_code == 404
    bad = api.post("/estimates", {"customer_id": customer.id, "lines": [{"description": "x"}]})
    assert bad.status_code == 422
    assert {"lines.0.quantity", "lines.0.unit_price"} <= set(field_errors(bad))


def test_tickets_with_messages(api, make_contact, write, make_staff):
    contact = make_contact()
    staff = make_staff()
    write()
    with acting_as(SYSTEM):
        ticket = Ticket(
            customer_id=contact.customer_id,
            contact=contact,
            subject="Help",
            priority="high",
            status="open",
        )
        ticket.messages = [
            TicketMessage(author_contact=contact, body="It broke"),
            TicketMessage(author_staff=staff, body="Fixed", is_internal=False),
        ]
        db.session.add(ticket)
        db.session.commit()
    body = api.get("/tickets").get_json()
    assert body["total"] == 1
    ticket_json = api.get(f"/tickets/{ticket.id}").get_json()
    assert ticket_json["subject"] == "Help" and ticket_json["priority"] == "high"
    messages = ticket_json["messages"]
    assert [(m["author_type"], m["body"]) for m in messages] == [
        ("contact", "It broke"),
        ("staff", "Fixed"),
    ]
    assert messages[0]["author_name"] == contact.full_name
    assert (
        api.get(f"/tickets?customer_id={contact.customer_id}&status=open").get_json()["total"] == 1
    )
    assert api.get("/tickets/999").status_code == 404
    assert api.post("/tickets", {}).status_code == 405
