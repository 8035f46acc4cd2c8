"""The OpenAPI document is generated from the route registry and the pydantic schemas: it is
served without a token, names every operation of SPEC section 9, and the API's field names and
shapes are the schema's."""

from __future__ import annotations

from portal.api.core import OPERATIONS

SPEC_OPERATIONS = {
    ("get", "/api/v1/customers"), ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{id}"), ("patch", "/api/v1/customers/{id}"),
    ("delete", "/api/v1/customers/{id}"),
    ("get", "/api/v1/customers/{id}/contacts"), ("post", "/api/v1/customers/{id}/contacts"),
    ("get", "/api/v1/contacts/{id}"), ("patch", "/api/v1/contacts/{id}"),
    ("delete", "/api/v1/contacts/{id}"),
    ("get", "/api/v1/invoices"), ("post", "/api/v1/invoices"),
    ("get", "/api/v1/invoices/{id}"), ("patch", "/api/v1/invoices/{id}"),
    ("post", "/api/v1/invoices/{id}/issue"), ("get", "/api/v1/invoices/unprocessed"),
    ("post", "/api/v1/invoices/{id}/processed"), ("post", "/api/v1/sales"),
    ("get", "/api/v1/estimates"), ("post", "/api/v1/estimates"),
    ("get", "/api/v1/estimates/{id}"),
    ("get", "/api/v1/tickets"), ("get", "/api/v1/tickets/{id}"),
}  # fmt: skip


def test_document_is_public_json_and_lists_every_spec_operation(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    found = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert found >= SPEC_OPERATIONS
    assert len(found) == len(OPERATIONS)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_operations_document_auth_errors_pagination_and_idempotency(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    listing = doc["paths"]["/api/v1/customers"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"page", "per_page", "updated_since", "number", "vat_number"} <= names
    per_page = next(p for p in listing["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100
    assert {"200", "401", "403", "422"} <= set(listing["responses"])
    create = doc["paths"]["/api/v1/customers"]["post"]
    assert "201" in create["responses"] and "415" in create["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert doc["paths"]["/api/v1/customers/{id}"]["delete"]["responses"].keys() >= {
        "204",
        "404",
        "409",
    }


def test_schemas_use_spec_field_names_and_string_amounts(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    invoice = schemas["InvoiceOut"]["properties"]
    for name in (
        "customer_id",
        "number",
        "status",
        "issue_date",
        "due_date",
        "lines",
        "total",
        "amount_due",
        "currency",
    ):
        assert name in invoice
    assert invoice["total"]["type"] == "string"
    line = schemas["LineIn"]["properties"]
    assert set(line) >= {"description", "quantity", "unit_price", "tax_rate"}
    assert line["unit_price"]["type"] == "string" and "pattern" in line["unit_price"]
    sale = schemas["SaleIn"]
    # paid_at is required for a paid sale only (an unpaid sale has none): checked by the model.
    assert set(sale["required"]) == {"invoice_number", "reference", "amount", "currency"}
    assert {"paid_at", "due_date", "status"} <= set(sale["properties"])
    assert schemas["CustomerCreate"]["additionalProperties"] is False
    contact = schemas["ContactCreate"]["properties"]
    assert {"first_name", "last_name", "email", "permissions", "send_welcome_email"} <= set(contact)


def test_every_registered_route_is_in_the_document(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in ("api.health", "api.openapi"):
            continue
        assert rule.endpoint in OPERATIONS, rule.endpoint
        op = OPERATIONS[rule.endpoint]
        assert op.method.lower() in doc["paths"][op.path]
