"""The integration API never answers 500 on numbers or JSON it cannot take (issue 24, item 5):
a 20-digit id is a 404, a body nested 900 levels deep a 422, one over 1 MiB a 413."""

from __future__ import annotations

import json
import re

import pytest

HUGE = "99999999999999999999"


def test_twenty_digit_ids_on_api_routes_are_404(app, api):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", HUGE, rule.rule).removeprefix("/api/v1")
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = api.get(path) if method == "GET" else api.post(path, {})
            assert response.status_code in (404, 405), (method, path, response.status_code)


def _nested(depth: int) -> str:
    return '{"company_name": "Deep", "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("path", ["/customers", "/invoices", "/estimates", "/sales"])
def test_json_nested_900_deep_is_422(api, path):
    response = api.request(
        "POST",
        path,
        data=_nested(900),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"body": "nested too deeply"}


def test_json_nested_within_the_limit_is_read(api):
    body = {"company_name": "Shallow Oy", "custom_fields": {"a": {"b": {"c": ["d"]}}}}

    response = api.request(
        "POST", "/customers", data=json.dumps(body), headers={"Content-Type": "application/json"}
    )

    assert response.status_code in (201, 422)
    assert "nested" not in response.get_data(as_text=True)


def test_brackets_inside_strings_do_not_count(api):
    name = "[" * 500 + "{" * 500
    response = api.post("/customers", {"company_name": name[:200]})

    assert response.status_code in (201, 422)
    assert "nested" not in response.get_data(as_text=True)


def test_a_body_over_one_mebibyte_is_413(api):
    big = json.dumps({"company_name": "Big", "notes": "x" * (1024 * 1024)})

    response = api.request(
        "POST", "/customers", data=big, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("value", ["1e1000000", "-1e1000000", "1e-1000000"])
def test_huge_numbers_in_api_invoices_and_sales_are_422(api, make_customer, make_invoice, value):
    customer = make_customer()
    issued = make_invoice(customer, issue=True)
    line = {"description": "Work", "quantity": value, "unit_price": "10", "tax_rate": "0"}

    created = api.post("/invoices", {"customer_id": customer.id, "lines": [line]})

    assert created.status_code == 422
    assert any("quantity" in field for field in created.get_json()["error"]["fields"])
    sale = {"invoice_number": issued.number, "reference": "R", "amount": value, "currency": "EUR"}
    paid = api.post("/sales", {**sale, "paid_at": "2026-01-01"})
    assert paid.status_code == 422, paid.get_json()
