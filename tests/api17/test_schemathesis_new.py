"""The property-based run (as in tests/api/test_schemathesis.py) over the operations of issue
17 only, so its time budget always reaches them: no generated input gets a 5xx, and every
answer matches the OpenAPI document."""

from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

NEW = {
    ("PUT", "/api/v1/customers/by-external-id/{external_id}"),
    ("GET", "/api/v1/customers"),
    ("GET", "/api/v1/contacts"),
    ("GET", "/api/v1/invoices/{id}/pdf"),
    ("GET", "/api/v1/sales"),
    ("POST", "/api/v1/sales"),
    ("GET", "/api/v1/invoices/{id}"),
    ("GET", "/api/v1/tickets/{id}"),
}


def test_no_server_error_on_the_new_operations(
    app, api, make_token, make_customer, make_contact, make_invoice
):
    customer = make_customer("Seed Ltd", vat_number="FI20774740")
    make_contact(customer)
    invoice = make_invoice(customer, issue=True)
    api.post(
        "/sales",
        {
            "invoice_number": invoice.number,
            "reference": "S-1",
            "amount": "1.00",
            "currency": "EUR",
            "paid_at": date.today().isoformat(),
        },
    )
    token = make_token("All", scopes=("read", "write", "invoices"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if (op.method.upper(), op.path) in NEW
    ]
    assert {(op.method.upper(), op.path) for op in operations} == NEW
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            case.validate_response(response, checks=[not_a_server_error])

        check()
    assert not failures, failures
