"""``POST /api/v1/customers/{id}/registry-check``: the comparison as JSON, documented in the
OpenAPI document, under the customers endpoints' scopes; a wrong check digit is a 422 on the
field before any registry is asked; a registry that is down is reported, not a 5xx."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer
from portal.models.database import begin_write
from portal.services.integration import api_tokens
from portal.services.platform.audit import SYSTEM, acting_as
from tests.api.conftest import Api
from tests.registry import recorded
from tests.registry.conftest import Reply


@pytest.fixture
def token(app):
    def make(scopes=("read", "write")):
        begin_write(db.session)
        with acting_as(SYSTEM):
            _token, raw = api_tokens.create_token("Finance", list(scopes))
            db.session.commit()
        return raw

    return make


@pytest.fixture
def api(client, token, eur):
    return Api(client, token())


def test_registry_check_returns_the_comparison(api, make_customer, registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(200, recorded.BRREG_ACTIVE))
    customer = make_customer(
        "Fjordlys", vat_number="NO988077917MVA", billing_city="BERGEN", billing_country="NO"
    )
    response = api.post(f"/customers/{customer.id}/registry-check")
    assert response.status_code == 200
    body = response.get_json()
    assert body["customer_id"] == customer.id
    assert (body["outcome"], body["vat_valid"]) == ("differs", True)
    (source,) = body["sources"]
    assert source["source"] == "brreg" and source["key"] == "988077917"
    assert (source["outcome"], source["name"], source["status"]) == (
        "found",
        "FJORDLYS AS",
        "active",
    )
    fields = {row["field"]: row for row in body["fields"]}
    assert fields["company_name"] == {
        "field": "company_name",
        "ours": "Fjordlys",
        "registry": "FJORDLYS AS",
        "differs": True,
    }
    assert fields["billing_city"]["differs"] is False
    assert fields["business_id"]["registry"] == "988077917"
    assert {"code": "vat_valid", "source": "brreg", "date": None, "key": None} in body["findings"]
    db.session.expire_all()
    stored = db.session.get(Customer, customer.id)
    assert stored.company_name == "Fjordlys"  # nothing of the customer's data changes
    assert stored.vat_valid is True and stored.vat_checked_at is not None
    shown = api.get(f"/customers/{customer.id}").get_json()
    assert shown["vat_valid"] is True and shown["business_id"] is None


def test_a_registry_that_is_down_is_reported_not_a_server_error(api, make_customer, registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(503, None))
    customer = make_customer("Fjordlys", vat_number="NO988077917MVA")
    body = api.post(f"/customers/{customer.id}/registry-check").get_json()
    assert (body["outcome"], body["vat_valid"]) == ("unavailable", None)
    assert body["sources"][0]["outcome"] == "unavailable"


def test_not_found_scope_and_no_token(api, client, token, make_customer, registries):
    assert api.post("/customers/999999/registry-check").status_code == 404
    customer = make_customer("Quiet Ltd")
    read_only = api.post(f"/customers/{customer.id}/registry-check", token=token(("read",)))
    assert read_only.status_code == 403
    assert client.post(f"/api/v1/customers/{customer.id}/registry-check").status_code == 401
    body = api.post(f"/customers/{customer.id}/registry-check").get_json()
    assert (body["outcome"], body["sources"], body["fields"]) == ("nothing", [], [])
    assert registries.calls == []


def test_wrong_check_digits_are_422_on_the_field(api, registries):
    response = api.post(
        "/customers",
        {
            "company_name": "Typo AS",
            "vat_number": "NO988077918MVA",
            "business_id": "988077918",
            "billing_country": "NO",
        },
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"vat_number", "business_id"}
    assert db.session.scalar(select(Customer.id)) is None
    assert registries.calls == []
    created = api.post(
        "/customers",
        {"company_name": "Right AS", "business_id": "988 077 917", "billing_country": "NO"},
    )
    assert created.status_code == 201 and created.get_json()["business_id"] == "988077917"


def test_the_operation_is_documented(api):
    document = api.get("/openapi.json").get_json()
    operation = document["paths"]["/api/v1/customers/{id}/registry-check"]["post"]
    assert "200" in operation["responses"] and "404" in operation["responses"]
    assert "business_id" in document["components"]["schemas"]["CustomerOut"]["properties"]
