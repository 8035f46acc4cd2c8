"""Customers and contacts through the API: the admin's rules, 422 per field, look-ups by
business keys, pagination limits and ``updated_since``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models import AuditLog, Contact, Customer, CustomerGroup, OutboxEmail
from tests.api.conftest import field_errors


def test_create_customer_201_with_generated_number(api):
    response = api.post(
        "/customers",
        {
            "company_name": "Acme Oy",
            "vat_number": "fi 2077474-0",
            "billing_country": "FI",
            "currency": "EUR",
            "language": "fi",
            "invoice_fields": ["PO number"],
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] > 0
    assert body["number"] == "C-000001"
    assert body["vat_number"] == "FI20774740"
    assert body["currency"] == "EUR"
    assert body["groups"] == []
    assert body["invoice_fields"] == ["PO number"]
    assert api.get(f"/customers/{body['id']}").get_json() == body


def test_create_customer_audited_as_the_token(api):
    customer_id = api.post("/customers", {"company_name": "Audit AB"}).get_json()["id"]
    log = db.session.scalar(
        db.select(AuditLog).where(
            AuditLog.entity_type == "Customer", AuditLog.entity_id == customer_id
        )
    )
    assert log.actor.startswith("api:")
    assert log.actor_name == "Finance system"
    assert db.session.get(Customer, customer_id).created_by.startswith("api:")


def test_create_customer_422_names_every_field(api):
    response = api.post(
        "/customers",
        {"company_name": "", "currency": "XXX", "billing_country": "ZZ", "website": 5},
    )
    assert response.status_code == 422
    fields = field_errors(response)
    assert {"company_name", "website"} <= set(fields)
    response = api.post(
        "/customers", {"company_name": "A", "currency": "XXX", "billing_country": "ZZ"}
    )
    assert response.status_code == 422
    assert {"currency", "billing_country"} <= set(field_errors(response))
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 0


def test_unknown_fields_are_422(api):
    response = api.post("/customers", {"company_name": "A", "colour": "red"})
    assert response.status_code == 422
    assert "colour" in field_errors(response)


def test_duplicate_number_and_vat_are_422(api, make_customer):
    make_customer("First", number="K-1", vat_number="SE556188840401")
    response = api.post(
        "/customers", {"company_name": "B", "number": "K-1", "vat_number": "se 556188-8404 01"}
    )
    assert response.status_code == 422
    assert {"number", "vat_number"} <= set(field_errors(response))


def test_groups_by_name_or_id(api, write):
    write()
    group = CustomerGroup(name="Agencies")
    db.session.add(group)
    db.session.commit()
    response = api.post("/customers", {"company_name": "G", "groups": ["Agencies"]})
    assert response.get_json()["groups"] == ["Agencies"]
    response = api.post("/customers", {"company_name": "H", "groups": [group.id]})
    assert response.get_json()["groups"] == ["Agencies"]
    response = api.post("/customers", {"company_name": "I", "groups": ["Nope"]})
    assert response.status_code == 422 and "groups" in field_errors(response)
    response = api.post("/customers", {"company_name": "I", "groups": [1.5]})
    assert response.status_code == 422 and set(field_errors(response)) == {"groups.0"}


def test_patch_changes_only_given_fields(api, make_customer):
    customer = make_customer("Patch Ltd", phone="123")
    response = api.patch(f"/customers/{customer.id}", {"billing_city": "Turku"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["billing_city"] == "Turku" and body["phone"] == "123"
    assert body["company_name"] == "Patch Ltd"


def test_patch_refuses_null_company_name_and_number_change(api, make_customer):
    customer = make_customer()
    assert api.patch(f"/customers/{customer.id}", {"company_name": None}).status_code == 422
    response = api.patch(f"/customers/{customer.id}", {"number": "X-9"})
    assert response.status_code == 422


def test_currency_change_refused_once_invoices_exist(
    api, make_customer, make_currency, make_invoice
):
    make_currency("USD", "$", 2)
    customer = make_customer()
    assert api.patch(f"/customers/{customer.id}", {"currency": "USD"}).status_code == 200
    api.patch(f"/customers/{customer.id}", {"currency": "EUR"})
    make_invoice(customer)
    response = api.patch(f"/customers/{customer.id}", {"currency": "USD"})
    assert response.status_code == 422
    assert "currency" in field_errors(response)
    assert api.get(f"/customers/{customer.id}").get_json()["currency"] == "EUR"


def test_delete_customer_204_then_404(api, make_customer):
    customer = make_customer()
    assert api.delete(f"/customers/{customer.id}").status_code == 204
    assert api.get(f"/customers/{customer.id}").status_code == 404
    assert api.delete(f"/customers/{customer.id}").status_code == 404


def test_delete_customer_with_invoices_is_409(api, make_customer, make_invoice, make_estimate):
    with_invoice, with_estimate = make_customer(), make_customer()
    make_invoice(with_invoice)
    make_estimate(with_estimate)
    for customer in (with_invoice, with_estimate):
        response = api.delete(f"/customers/{customer.id}")
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "customer_has_documents"
        assert api.get(f"/customers/{customer.id}").status_code == 200


def test_404_for_unknown_and_huge_ids(api):
    assert api.get("/customers/999").status_code == 404
    assert api.get("/customers/99999999999999999999").status_code == 404
    assert api.patch("/customers/999", {"phone": "1"}).status_code == 404
    body = api.get("/customers/999").get_json()
    assert body["error"]["code"] == "not_found"


def test_lookup_by_number_and_vat_number(api, make_customer):
    make_customer("One", number="N-1", vat_number="DE136695976")
    make_customer("Two", number="N-2", vat_number="DE129273398")
    data = api.get("/customers?number=N-2").get_json()["data"]
    assert [c["company_name"] for c in data] == ["Two"]
    data = api.get("/customers?vat_number=de 136 695 976").get_json()["data"]
    assert [c["company_name"] for c in data] == ["One"]
    body = api.get("/customers?number=none").get_json()
    assert body["data"] == [] and body["total"] == 0


def test_pagination_and_its_limits(api, make_customer):
    for i in range(5):
        make_customer(f"Page {i}")
    body = api.get("/customers?per_page=2&page=2").get_json()
    assert body["page"] == 2 and body["per_page"] == 2 and body["total"] == 5
    assert [c["company_name"] for c in body["data"]] == ["Page 2", "Page 3"]
    body = api.get("/customers").get_json()
    assert body["per_page"] == 50 and len(body["data"]) == 5
    assert api.get("/customers?per_page=100").status_code == 200
    for bad in ("per_page=101", "per_page=0", "page=0", "page=x", "updated_since=yesterday"):
        response = api.get(f"/customers?{bad}")
        assert response.status_code == 422, bad
        assert bad.split("=")[0] in field_errors(response)
    assert api.get("/customers?page=9").get_json()["data"] == []


def test_updated_since_for_incremental_sync(api, make_customer, write):
    old, changed = make_customer("Old"), make_customer("Changed")
    write()
    past = datetime.now(UTC) - timedelta(days=2)
    db.session.execute(db.update(Customer).values(updated_at=past))
    db.session.commit()
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    api.patch(f"/customers/{changed.id}", {"phone": "555"})
    data = api.get("/customers", query_string={"updated_since": since}).get_json()["data"]
    assert [c["id"] for c in data] == [changed.id]
    everything = api.get("/customers?updated_since=2000-01-01T00:00:00").get_json()
    assert [c["id"] for c in everything["data"]] == [old.id, changed.id]


def test_list_runs_a_bounded_number_of_queries(api, make_customer, count_queries, write):
    write()
    group = CustomerGroup(name="Bounded")
    db.session.add(group)
    db.session.commit()
    make_customer("A", groups=["Bounded"])
    api.get("/customers")  # the first request writes last_used_at
    with count_queries() as few:
        api.get("/customers")
    for i in range(10):
        make_customer(f"More {i}", groups=["Bounded"])
    with count_queries() as many:
        assert len(api.get("/customers").get_json()["data"]) == 11
    assert many.count == few.count


# -- contacts ---------------------------------------------------------------------------------


def test_contacts_create_list_get_patch_delete(api, make_customer):
    customer = make_customer()
    response = api.post(
        f"/customers/{customer.id}/contacts",
        {
            "first_name": "Anna",
            "last_name": "Virtanen",
            "email": "Anna@Example.com",
            "language": "fi",
            "permissions": ["invoices"],
        },
    )
    assert response.status_code == 201
    first = response.get_json()
    assert first["email"] == "anna@example.com"
    assert first["is_primary"] is True  # the first contact is primary: all permissions
    assert first["permissions"] == ["invoices", "estimates", "tickets", "company", "documents"]
    second = api.post(
        f"/customers/{customer.id}/contacts",
        {
            "first_name": "Bo",
            "last_name": "B",
            "email": "bo@example.com",
            "permissions": ["invoices", "tickets"],
        },
    ).get_json()
    assert second["is_primary"] is False and second["permissions"] == ["invoices", "tickets"]
    listed = api.get(f"/customers/{customer.id}/contacts").get_json()
    assert listed["total"] == 2
    response = api.patch(f"/contacts/{second['id']}", {"position": "CFO", "is_primary": True})
    assert response.status_code == 200
    assert response.get_json()["is_primary"] is True
    assert api.get(f"/contacts/{first['id']}").get_json()["is_primary"] is False
    assert api.delete(f"/contacts/{first['id']}").status_code == 204
    assert api.get(f"/contacts/{first['id']}").status_code == 404


def test_contact_validation_and_unique_email(api, make_customer, make_contact):
    customer = make_customer()
    make_contact(customer, email="taken@example.com")
    response = api.post(
        f"/customers/{customer.id}/contacts",
        {
            "first_name": "",
            "last_name": "X",
            "email": "taken@example.com",
            "permissions": ["admin"],
        },
    )
    assert response.status_code == 422
    assert {"first_name", "permissions.0"} <= set(field_errors(response))
    response = api.post(
        f"/customers/{customer.id}/contacts",
        {"first_name": "A", "last_name": "X", "email": "TAKEN@example.com"},
    )
    assert response.status_code == 422 and "email" in field_errors(response)
    assert (
        api.post(
            "/customers/999/contacts",
            {"first_name": "A", "last_name": "B", "email": "n@example.com"},
        ).status_code
        == 404
    )


def test_primary_contact_cannot_be_deactivated(api, make_contact):
    contact = make_contact()
    response = api.patch(f"/contacts/{contact.id}", {"is_active": False})
    assert response.status_code == 422 and "is_active" in field_errors(response)


def test_send_welcome_email_queues_it(api, make_customer):
    customer = make_customer()
    api.post(
        f"/customers/{customer.id}/contacts",
        {"first_name": "N", "last_name": "W", "email": "nowelcome@example.com"},
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxEmail)) == 0
    response = api.post(
        f"/customers/{customer.id}/contacts",
        {
            "first_name": "W",
            "last_name": "W",
            "email": "welcome@example.com",
            "send_welcome_email": True,
        },
    )
    assert response.status_code == 201
    emails = db.session.scalars(db.select(OutboxEmail)).all()
    assert [(e.template, e.recipient) for e in emails] == [("welcome", "welcome@example.com")]
    assert db.session.get(Contact, response.get_json()["id"]) is not None
