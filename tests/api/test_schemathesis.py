"""Property-based run of the whole API from its own OpenAPI document (schemathesis, in
process over WSGI, bounded in time): whatever the generated input, no answer is a 5xx."""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

#: Examples per operation and an overall budget keep the run well under a minute.
MAX_EXAMPLES = 25
BUDGET_SECONDS = 45.0


@pytest.fixture
def seeded(api, make_customer, make_contact, make_invoice, make_estimate):
    """A few records, so that generated ids sometimes hit something (id 1 mostly)."""
    customer = make_customer("Seed Ltd", vat_number="FI20774740")
    make_contact(customer)
    make_invoice(customer, issue=True)
    make_invoice(customer)
    make_estimate(customer)
    return api


def test_no_server_error_on_any_operation(app, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded.token}"}
    deadline = time.monotonic() + BUDGET_SECONDS
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        if time.monotonic() > deadline:
            break

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            case.validate_response(response, checks=[not_a_server_error])

        check()
    assert not failures, failures
