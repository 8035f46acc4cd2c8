"""Admin customer pages: list/search/filters, create (full and quick), edit, card tabs,
contacts, addresses, notes, groups/currencies/taxes, import and export; who must NOT see them."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Contact,
    Currency,
    Customer,
    CustomerAddress,
    CustomerGroup,
    Note,
    OutboxEmail,
    TaxRate,
)
from tests.admin.conftest import reload

ADMIN_PAGES = [
    "/admin/customers",
    "/admin/customers/new",
    "/admin/customers/import",
    "/admin/groups",
    "/admin/currencies",
    "/admin/taxes",
    "/admin/reports/revenue",
    "/admin/customers/export.csv",
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def eur(make_currency):
    return make_currency("EUR", "€", 2, True)


# -- who must not see -----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, make_customer):
    customer = make_customer()
    for path in [*ADMIN_PAGES, f"/admin/customers/{customer.id}"]:
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.location, path


def test_contact_session_is_not_staff(client, make_contact, login_contact):
    contact = login_contact(make_contact())
    response = client.get(f"/admin/customers/{contact.customer_id}")
    assert response.status_code == 302 and "/admin/login" in response.location


def test_staff_without_permission_gets_403(staff_client, make_customer):
    customer = make_customer()
    client, _ = staff_client(["tickets.view"])
    for path in [
        *ADMIN_PAGES,
        f"/admin/customers/{customer.id}",
        f"/admin/customers/{customer.id}/edit",
    ]:
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/customers/{customer.id}/delete").status_code == 403
    assert count(Customer) == 1


def test_view_own_sees_only_assigned_customers(staff_client, make_customer, write):
    mine = make_customer("Mine Oy")
    other = make_customer("Other Oy")
    client, member = staff_client(["customers.view_own", "customers.edit"])
    write()
    db.session.get(Customer, mine.id).admins.append(db.session.get(type(member), member.id))
    db.session.commit()
    page = client.get("/admin/customers").get_data(as_text=True)
    assert "Mine Oy" in page and "Other Oy" not in page
    assert client.get(f"/admin/customers/{mine.id}").status_code == 200
    assert client.get(f"/admin/customers/{other.id}").status_code == 404
    assert client.get(f"/admin/customers/{other.id}/edit").status_code == 404
    export = client.get("/admin/customers/export.csv").get_data(as_text=True)
    assert "Mine Oy" in export and "Other Oy" not in export
    assert (
        client.get("/admin/customers?q=other").get_data(as_text=True).count('class="customer-row"')
        == 0
    )


# -- list, search, escaping ---------------------------------------------------------------------


def test_list_search_and_group_filter(staff_client, make_customer, make_contact, write):
    acme = make_customer("Acme Analytics", vat_number="US555", billing_city="Boston")
    make_contact(acme, email="emma@acme.example")
    make_customer("Other Ltd")
    client, _ = staff_client()
    for q in ("acme", "US555", "boston", "emma@acme.example"):
        html = client.get(f"/admin/customers?q={q}").get_data(as_text=True)
        assert html.count('class="customer-row"') == 1 and "Acme Analytics" in html, q
    write()
    group = CustomerGroup(name="Events")
    db.session.add(group)
    db.session.get(Customer, acme.id).groups.append(group)
    db.session.commit()
    html = client.get(f"/admin/customers?group={group.id}").get_data(as_text=True)
    assert html.count('class="customer-row"') == 1


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "O'Brien & Søn"])
def test_names_are_shown_literally(staff_client, make_customer, name):
    customer = make_customer(name)
    client, _ = staff_client()
    escaped = (
        name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    )
    for path in (
        "/admin/customers",
        f"/admin/customers/{customer.id}",
        "/admin/customers?q=" + name.split()[0],
    ):
        html = client.get(path).get_data(as_text=True)
        assert escaped in html, path
        assert "<script>alert(1)</script>" not in html


def test_list_and_card_run_a_fixed_number_of_queries(
    staff_client, make_customer, make_contact, count_queries
):
    client, _ = staff_client()
    first = make_customer("Few 0")
    make_contact(first)
    with count_queries() as few:
        client.get("/admin/customers")
    with count_queries() as card_few:
        client.get(f"/admin/customers/{first.id}?tab=contacts")
    for i in range(1, 15):
        customer = make_customer(f"Many {i}")
        make_contact(customer)
        make_contact(first)
    with count_queries() as many:
        html = client.get("/admin/customers").get_data(as_text=True)
    with count_queries() as card_many:
        client.get(f"/admin/customers/{first.id}?tab=contacts")
    assert html.count('class="customer-row"') == 15
    assert many.count == few.count
    assert card_many.count == card_few.count


# -- create, edit, delete -------------------------------------------------------------------


def test_create_with_bad_input_shows_messages_and_writes_nothing(staff_client, eur):
    client, _ = staff_client()
    response = client.post(
        "/admin/customers/new",
        data={
            "company_name": "",
            "currency": "EUR",
            "language": "",
            "tax_class_id": "",
            "billing_country": "XX",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="billing_country-error"[^>]*>[^<]*ISO', html)
    assert 'id="company_name-error"' in html
    assert count(Customer) == 0


def test_create_edit_and_card(staff_client, eur):
    client, _ = staff_client()
    response = client.post(
        "/admin/customers/new",
        data={
            "company_name": "Nordlys AS",
            "vat_number": "no 988 077 917 mva",
            "currency": "EUR",
            "language": "nb",
            "tax_class_id": "",
            "billing_city": "Bergen",
            "billing_country": "no",
            "remarks": "Pays late",
            "invoice_fields_text": "PO number, Project",
        },
    )
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer))
    assert (customer.number, customer.vat_number, customer.billing_country) == (
        "C-000001",
        "NO988077917MVA",
        "NO",
    )
    assert customer.invoice_fields == ["PO number", "Project"]
    card = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert "Pays late" in card and "Nordlys AS" in card
    for tab in (
        "profile",
        "contacts",
        "addresses",
        "invoices",
        "estimates",
        "tickets",
        "notes",
        "activity",
    ):
        assert client.get(f"/admin/customers/{customer.id}?tab={tab}").status_code == 200, tab
    response = client.post(
        f"/admin/customers/{customer.id}/edit",
        data={
            "company_name": "Nordlys Regnskap AS",
            "currency": "EUR",
            "language": "",
            "tax_class_id": "",
        },
    )
    assert response.status_code == 302
    assert reload(customer).company_name == "Nordlys Regnskap AS"
    activity = client.get(f"/admin/customers/{customer.id}?tab=activity").get_data(as_text=True)
    assert "Nordlys Regnskap AS" in activity and "company_name" in activity


def test_currency_change_refused_once_invoiced(
    staff_client, make_customer, make_currency, make_invoice
):
    customer = make_customer()
    make_currency("USD", "$", 2)
    make_invoice(customer, issue=True)
    client, _ = staff_client()
    html = client.post(
        f"/admin/customers/{customer.id}/edit",
        data={
            "company_name": customer.company_name,
            "currency": "USD",
            "language": "",
            "tax_class_id": "",
        },
    ).get_data(as_text=True)
    assert "already has invoices" in html
    assert reload(customer).currency.code == "EUR"


def test_delete_refused_with_documents_then_allowed_without(
    staff_client, make_customer, make_invoice
):
    with_invoice = make_customer("Busy Oy")
    make_invoice(with_invoice)
    empty = make_customer("Empty Oy")
    client, _ = staff_client()
    response = client.post(f"/admin/customers/{with_invoice.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert db.session.get(Customer, with_invoice.id) is not None
    response = client.post(f"/admin/customers/{empty.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, empty.id) is None


def test_quick_create_with_contact(staff_client, eur):
    client, _ = staff_client()
    response = client.post(
        "/admin/customers/quick",
        data={
            "company_name": "Quick Oy",
            "first_name": "Q",
            "last_name": "Uick",
            "email": "q@quick.example",
        },
    )
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer))
    assert customer.primary_contact.email == "q@quick.example"


def test_deactivate_reactivate_and_bulk(staff_client, make_customer, write):
    a, b = make_customer("A Oy"), make_customer("B Oy")
    write()
    group = CustomerGroup(name="VIP")
    db.session.add(group)
    db.session.commit()
    client, _ = staff_client()
    client.post(f"/admin/customers/{a.id}/active", data={"active": "0"})
    assert reload(a).is_active is False
    client.post(f"/admin/customers/{a.id}/active", data={"active": "1"})
    assert reload(a).is_active is True
    client.post(
        "/admin/customers/bulk",
        data={"action": "group", "group_id": str(group.id), "ids": [str(a.id), str(b.id)]},
    )
    db.session.expire_all()
    members = db.session.scalar(
        select(func.count())
        .select_from(Customer)
        .where(Customer.groups.any(CustomerGroup.id == group.id))
    )
    assert members == 2
    client.post("/admin/customers/bulk", data={"action": "deactivate", "ids": [str(b.id)]})
    assert reload(b).is_active is False


# -- contacts, addresses, notes ---------------------------------------------------------------


def test_contact_create_with_welcome_and_bad_input(staff_client, make_customer):
    customer = make_customer()
    client, _ = staff_client()
    bad = client.post(
        f"/admin/customers/{customer.id}/contacts/new",
        data={"first_name": "A", "last_name": "B", "email": "not-an-email", "language": ""},
    )
    assert 'id="email-error"' in bad.get_data(as_text=True)
    assert count(Contact) == 0 and count(OutboxEmail) == 0
    ok = client.post(
        f"/admin/customers/{customer.id}/contacts/new",
        data={
            "first_name": "Aino",
            "last_name": "V",
            "email": "aino@example.fi",
            "language": "fi",
            "perm_invoices": "y",
            "send_welcome": "y",
        },
    )
    assert ok.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.is_primary and contact.language == "fi"
    email = db.session.scalar(select(OutboxEmail))
    assert email.recipient == "aino@example.fi" and email.language == "fi"
    dup = client.post(
        f"/admin/customers/{customer.id}/contacts/new",
        data={"first_name": "X", "last_name": "Y", "email": "AINO@example.fi", "language": ""},
    )
    assert "already uses this email" in dup.get_data(as_text=True)
    assert count(Contact) == 1


def test_contact_actions(staff_client, make_customer, make_contact):
    customer = make_customer()
    first = make_contact(customer)
    second = make_contact(customer)
    client, _ = staff_client()
    base = f"/admin/customers/{customer.id}/contacts"
    client.post(f"{base}/{second.id}/primary")
    assert reload(second).is_primary and not reload(first).is_primary
    client.post(f"{base}/{first.id}/deactivate")
    assert reload(first).is_active is False
    refused = client.post(f"{base}/{second.id}/deactivate", follow_redirects=True)
    assert "primary contact cannot be deactivated" in refused.get_data(as_text=True)
    client.post(f"{base}/{first.id}/delete")
    db.session.expire_all()
    assert db.session.get(Contact, first.id) is None


def test_contact_of_another_customer_is_404(staff_client, make_customer, make_contact):
    mine, other = make_customer(), make_customer()
    foreign = make_contact(other)
    client, _ = staff_client()
    assert client.get(f"/admin/customers/{mine.id}/contacts/{foreign.id}").status_code == 404
    assert (
        client.post(f"/admin/customers/{mine.id}/contacts/{foreign.id}/delete").status_code == 404
    )
    assert db.session.get(Contact, foreign.id) is not None


def test_addresses_and_headquarters(staff_client, make_customer):
    customer = make_customer()
    client, _ = staff_client()
    base = f"/admin/customers/{customer.id}/addresses"
    bad = client.post(f"{base}/new", data={"label": "Office", "country": "XX"})
    assert 'id="country-error"' in bad.get_data(as_text=True)
    assert count(CustomerAddress) == 0
    client.post(f"{base}/new", data={"label": "Office", "city": "Oulu", "is_headquarters": "y"})
    client.post(f"{base}/new", data={"label": "Depot", "city": "Turku"})
    depot = db.session.scalar(select(CustomerAddress).where(CustomerAddress.label == "Depot"))
    client.post(f"{base}/{depot.id}/headquarters")
    db.session.expire_all()
    assert [
        a.label
        for a in db.session.scalars(select(CustomerAddress).where(CustomerAddress.is_headquarters))
    ] == ["Depot"]


def test_notes_add_list_delete(staff_client, make_customer):
    customer = make_customer()
    client, _ = staff_client()
    client.post(f"/admin/customers/{customer.id}/notes", data={"body": "Called, all fine"})
    client.post(f"/admin/customers/{customer.id}/notes", data={"body": ""})
    assert count(Note) == 1
    html = client.get(f"/admin/customers/{customer.id}?tab=notes").get_data(as_text=True)
    assert "Called, all fine" in html
    note = db.session.scalar(select(Note))
    client.post(f"/admin/customers/{customer.id}/notes/{note.id}/delete")
    assert count(Note) == 0


# -- reference data ---------------------------------------------------------------------------


def test_groups_currencies_taxes_pages(staff_client, make_customer, eur):
    client, _ = staff_client()
    client.post("/admin/groups/new", data={"name": "Events"})
    dup = client.post("/admin/groups/new", data={"name": "events"})
    assert 'id="name-error"' in dup.get_data(as_text=True)
    assert count(CustomerGroup) == 1
    make_customer(groups=["Events"])
    group = db.session.scalar(select(CustomerGroup))
    refused = client.post(f"/admin/groups/{group.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in refused.get_data(as_text=True)

    bad = client.post(
        "/admin/currencies/new", data={"code": "XYZ", "symbol": "x", "decimal_places": "2"}
    )
    assert 'id="code-error"' in bad.get_data(as_text=True)
    client.post("/admin/currencies/new", data={"code": "jpy", "symbol": "¥", "decimal_places": "0"})
    assert db.session.scalar(select(Currency.decimal_places).where(Currency.code == "JPY")) == 0
    refused = client.post(f"/admin/currencies/{eur.id}/delete", follow_redirects=True)
    assert "default currency cannot be deleted" in refused.get_data(as_text=True)

    bad = client.post("/admin/taxes/rates/new", data={"name": "Odd", "percent": "101"})
    assert 'id="percent-error"' in bad.get_data(as_text=True)
    client.post("/admin/taxes/rates/new", data={"name": "VAT 25.5", "percent": "25.5"})
    assert db.session.scalar(select(TaxRate.name)) == "VAT 25.5"
    assert "25.5" in client.get("/admin/taxes").get_data(as_text=True)


def test_settings_pages_need_settings_permission(staff_client):
    client, _ = staff_client(["customers.view", "customers.edit"])
    assert client.get("/admin/currencies").status_code == 403
    assert (
        client.post("/admin/taxes/rates/new", data={"name": "X", "percent": "1"}).status_code == 403
    )
    assert count(TaxRate) == 0


# -- import and export ----------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "customers.csv"):
    return client.post(
        "/admin/customers/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_import_with_errors_writes_nothing_then_good_file_then_update(staff_client, eur):
    client, _ = staff_client()
    bad = _upload(
        client,
        b"company_name,contact_email,contact_first_name,contact_last_name\n"
        b",a@example.com,A,B\nGood Oy,bad-email,C,D\n",
    )
    html = bad.get_data(as_text=True)
    assert html.count('class="import-error"') == 2
    assert "Import now" not in html
    assert count(Customer) == 0

    good = b"number,company_name,vat_number\nX-1,Alpha Oy,FI01120389\nX-2,Beta Oy,FI20774740\n"
    preview = _upload(client, good).get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview).group(1)
    assert count(Customer) == 0
    done = client.post("/admin/customers/import/apply", data={"token": token})
    assert done.status_code == 302
    assert count(Customer) == 2

    changed = good.replace(b"Alpha Oy", b"Alpha Group Oy")
    token = re.search(
        r'name="token" value="([0-9a-f]+)"', _upload(client, changed).get_data(as_text=True)
    ).group(1)
    client.post("/admin/customers/import/apply", data={"token": token})
    assert count(Customer) == 2
    assert (
        db.session.scalar(select(Customer.company_name).where(Customer.number == "X-1"))
        == "Alpha Group Oy"
    )
    # A used token does not work twice.
    again = client.post("/admin/customers/import/apply", data={"token": token})
    assert again.status_code == 302 and "import" in again.location


def test_import_refuses_unreadable_files(staff_client, eur):
    client, _ = staff_client()
    html = _upload(client, b"%PDF-1.7", "customers.pdf").get_data(as_text=True)
    assert 'id="file-error"' in html


def test_import_needs_create_and_edit(staff_client):
    client, _ = staff_client(["customers.view", "customers.create"])
    assert client.get("/admin/customers/import").status_code == 403


def test_export_follows_the_filter(staff_client, make_customer):
    make_customer("Alpha Oy")
    make_customer("Beta Oy")
    client, _ = staff_client()
    response = client.get("/admin/customers/export.csv?q=alpha")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    assert "Alpha Oy" in text and "Beta Oy" not in text


def test_revenue_report(staff_client, make_customer, make_invoice):
    make_invoice(make_customer(), issue=True, lines=[("x", "1", "100.00", "24")])
    client, _ = staff_client(["invoices.view"])
    html = client.get("/admin/reports/revenue").get_data(as_text=True)
    assert "124.00" in html
