"""Numbers too large for the database and JSON too deep for the parser never answer 500
(issue 24, item 5): a 20-digit id is a 404, a 20-digit page is the last page we serve, a
body nested 900 levels deep is a 422 and one over 1 MiB a 413."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice, Payment
from portal.web.converters import MAX_ID

HUGE = "99999999999999999999"


def _routes(app, prefix: str) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", HUGE, rule.rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((method, path))
    return found


def test_every_id_route_is_bounded(app):
    assert _routes(app, "/admin/") and _routes(app, "/clients/") and _routes(app, "/api/")
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if type(converter).__name__ == "BoundedIntConverter":
                assert converter.max == MAX_ID, (rule.rule, name)


def test_twenty_digit_ids_on_admin_routes_are_404(app, client, login_staff):
    login_staff()  # the Administrator: every view is reached past its permission check
    for method, path in _routes(app, "/admin/"):
        response = client.get(path) if method == "GET" else client.post(path, data={})
        assert response.status_code in (404, 405), (method, path, response.status_code)


def test_twenty_digit_ids_on_portal_routes_are_404(app, client, make_contact, login_contact):
    login_contact(make_contact(primary=True))
    for method, path in _routes(app, "/clients/"):
        response = client.get(path) if method == "GET" else client.post(path, data={})
        assert response.status_code in (404, 405), (method, path, response.status_code)


@pytest.mark.parametrize(
    "path", ["/admin/customers", "/admin/invoices", "/admin/estimates", "/admin/tickets"]
)
@pytest.mark.parametrize("page", [HUGE, "-3", "1e9", "abc", ""])
def test_any_page_number_on_admin_lists(client, login_staff, path, page):
    login_staff()

    response = client.get(f"{path}?page={page}")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/clients/invoices", "/clients/estimates", "/clients/tickets"])
@pytest.mark.parametrize("page", [HUGE, "-3", "abc"])
def test_any_page_number_on_portal_lists(client, make_contact, login_contact, path, page):
    login_contact(make_contact(primary=True))

    response = client.get(f"{path}?page={page}")

    assert response.status_code == 200


HUGE_NUMBERS = ["1e1000000", "-1e1000000", "1e-1000000", "9" * 40, "0." + "0" * 80 + "1"]


@pytest.mark.parametrize("value", HUGE_NUMBERS)
@pytest.mark.parametrize("column", ["quantity", "unit_price", "discount"])
def test_huge_numbers_in_invoice_lines_are_field_errors(
    client, login_staff, make_customer, column, value
):
    login_staff()
    customer = make_customer()
    row = {
        "lines-0-description": "Work",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10",
        "lines-0-discount": "0",
    }
    row[f"lines-0-{column}"] = value

    response = client.post(f"/admin/customers/{customer.id}/invoices/new", data=row)

    # Refused by the form (400, over the field's length) or by the service (422, next to the
    # field), never computed into a 500; nothing is written.
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert "Must be at most" in page or "decimal places" in page
    assert "Traceback" not in page
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


@pytest.mark.parametrize("value", HUGE_NUMBERS)
def test_huge_payment_amounts_are_field_errors(client, login_staff, make_invoice, value):
    login_staff()
    invoice = make_invoice(issue=True)

    response = client.post(f"/admin/invoices/{invoice.id}/payments", data={"amount": value})

    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
