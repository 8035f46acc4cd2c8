"""Issue 17: text search on the staff lists of invoices, credit notes and estimates (number,
customer name, customer number, VAT number), the status filter kept, the customer linked to its
card, a view_own member finding only its customers' documents, and a query count that does not
grow with the rows."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Customer, Invoice
from portal.services import billing
from portal.services.platform.audit import SYSTEM, acting_as
from tests.documents17.conftest import ALL_BILLING, assign


@pytest.fixture
def world(make_customer, make_invoice, make_estimate):
    nordic = make_customer("Nordic Pixel Oy", vat_number="FI01120389", number="C-7731")
    acme = make_customer("Acme Analytics", vat_number="FI20774740", number="C-5512")
    docs = {
        "nordic": make_invoice(nordic, issue=True),
        "acme": make_invoice(acme, issue=True),
        "acme_draft": make_invoice(acme),
        "nordic_estimate": make_estimate(nordic, send=True),
        "acme_estimate": make_estimate(acme, send=True),
    }
    return {"nordic": nordic, "acme": acme, **docs}


def _numbers(html: str) -> set[str]:
    return set(re.findall(r">((?:INV|CN|EST)-\d+)<", html))


def _invoices(client, **args) -> str:
    response = client.get("/admin/invoices", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_invoice_search_by_each_field(world, staff_client):
    client, _ = staff_client(ALL_BILLING)
    nordic, acme = world["nordic"].number, world["acme"].number
    assert _numbers(_invoices(client, q=nordic)) == {nordic}
    assert _numbers(_invoices(client, q=nordic.lower())) == {nordic}  # typed in lower case
    assert _numbers(_invoices(client, q="nordic")) == {nordic}  # customer name
    assert _numbers(_invoices(client, q="Nordic Pix")) == {nordic}  # every word, prefixes
    assert _numbers(_invoices(client, q="C-5512")) == {acme}  # customer number
    assert _numbers(_invoices(client, q="FI20774740")) == {acme}  # VAT number
    assert _numbers(_invoices(client, q="nomatch")) == set()
    page = _invoices(client, q="acme")
    assert "Draft" in page  # the draft of the same customer is found too
    assert f'href="/admin/customers/{world["acme"].customer_id}"' in page  # name links to card


def test_search_keeps_the_status_filter(world, staff_client):
    client, _ = staff_client(ALL_BILLING)
    page = _invoices(client, q="acme", status="draft")
    assert _numbers(page) == set() and page.count('class="invoice-row"') == 1
    page = _invoices(client, q="acme", status="unpaid")
    assert _numbers(page) == {world["acme"].number}
    assert 'value="acme"' in page  # the query stays in the search field


def test_credit_notes_are_searched_too(world, staff_client, write):
    write()
    with acting_as(SYSTEM):
        invoice = db.session.get(Invoice, world["acme"].id)
        note = billing.issue_invoice(billing.create_credit_note(invoice))
        db.session.commit()
    client, _ = staff_client(ALL_BILLING)
    assert _numbers(_invoices(client, q="acme", kind="credit_note")) == {note.number}
    assert _numbers(_invoices(client, q=note.number)) == {note.number}


def test_estimate_search_by_each_field(world, staff_client):
    client, _ = staff_client(ALL_BILLING)
    nordic, acme = world["nordic_estimate"].number, world["acme_estimate"].number

    def found(**args) -> set[str]:
        response = client.get("/admin/estimates", query_string=args)
        assert response.status_code == 200
        return _numbers(response.get_data(as_text=True))

    assert found(q=acme) == {acme}
    assert found(q="nordic") == {nordic}
    assert found(q="c-7731") == {nordic}
    assert found(q="FI0112") == {nordic}
    assert found(q="acme", status="sent") == {acme}
    assert found(q="acme", status="accepted") == set()


def test_view_own_finds_only_its_customers_documents(world, own_client):
    client, member = own_client()
    assign(member, world["nordic"])
    assert _numbers(_invoices(client, q="acme")) == set()
    assert _numbers(_invoices(client, q=world["acme"].number)) == set()
    assert _numbers(_invoices(client, q="FI20774740")) == set()
    assert _numbers(_invoices(client, q="FI")) == {world["nordic"].number}
    page = client.get("/admin/estimates", query_string={"q": "FI"}).get_data(as_text=True)
    assert _numbers(page) == {world["nordic_estimate"].number}


def test_who_must_not_search(world, client, staff_client, make_contact, login_contact):
    assert client.get("/admin/invoices?q=acme").status_code == 302  # anonymous: sign in
    nobody, _ = staff_client(["customers.view"])
    assert nobody.get("/admin/invoices?q=acme").status_code == 403
    assert nobody.get("/admin/estimates?q=acme").status_code == 403
    login_contact(make_contact(db.session.get(Customer, world["acme"].customer_id)))
    response = client.get("/admin/invoices?q=acme")
    assert response.status_code in (302, 403)
    assert world["acme"].number not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/invoices", "/admin/estimates"])
def test_search_query_count_is_fixed(
    path, make_customer, make_invoice, make_estimate, staff_client, count_queries
):
    client, _ = staff_client(ALL_BILLING)
    make = make_invoice if "invoices" in path else make_estimate

    def queries() -> int:
        client.get(path, query_string={"q": "searchco"})  # warm-up (session, labels)
        with count_queries() as counted:
            response = client.get(path, query_string={"q": "searchco"})
        assert response.status_code == 200
        return counted.count

    for i in range(2):
        make(make_customer(f"Searchco {i}"))
    small = queries()
    for i in range(2, 20):
        make(make_customer(f"Searchco {i}"))
    assert queries() == small
