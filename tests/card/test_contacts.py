"""Contacts' mobile, fax and keywords; the contact list across customers at /admin/contacts
(keyword filter, search, paging, view_own narrowing), its CSV export, and the card's inactive
contacts behind "Show inactive"."""

from __future__ import annotations

import csv
import io

import pytest

from portal.extensions import db
from portal.models import Contact, ContactKeyword, Customer
from portal.models.database import begin_write
from portal.services.customers import contacts, keywords
from portal.services.errors import ValidationError
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD


@pytest.fixture
def people(make_customer, make_contact, make_staff):
    """Two customers; ``own`` (customers.view_own) looks after Acme only."""
    acme = make_customer("Acme Oy")
    bolt = make_customer("Bolt AB")
    ann = make_contact(
        acme,
        first_name="Ann",
        last_name="Alm",
        email="ann@acme.example",
        keywords=["Newsletter", " Decision   Maker "],
        language="fi",
    )
    bob = make_contact(
        bolt, first_name="Bob", last_name="Berg", email="bob@bolt.example", keywords="newsletter"
    )
    cid = make_contact(bolt, first_name="Cid", last_name="Cole", email="cid@bolt.example")
    own = make_staff(["customers.view_own"])
    begin_write(db.session)
    db.session.get(Customer, acme.id).admins.append(db.session.get(type(own), own.id))
    db.session.commit()
    return {"acme": acme, "bolt": bolt, "ann": ann, "bob": bob, "cid": cid, "own": own}


def test_keywords_are_stored_once_normalised(people):
    ann = db.session.get(Contact, people["ann"].id)
    assert [k.name for k in ann.keywords] == ["decision maker", "newsletter"]
    names = db.session.scalars(db.select(ContactKeyword.name).order_by(ContactKeyword.name))
    assert list(names) == ["decision maker", "newsletter"]
    assert keywords.suggestions() == ["newsletter", "decision maker"]  # most used first


def test_mobile_fax_and_keyword_rules(make_customer, write):
    customer = make_customer()
    write()
    with acting_as(SYSTEM):
        contact = contacts.create_contact(
            customer,
            {
                "first_name": "A",
                "last_name": "B",
                "email": "ab@example.com",
                "mobile": "+358 40 123",
                "fax": "+358 9 555",
            },
        )
        assert (contact.mobile, contact.fax) == ("+358 40 123", "+358 9 555")
        with pytest.raises(ValidationError) as exc:
            contacts.update_contact(contact, {"keywords": ["x" * 61], "mobile": "9" * 65})
        assert set(exc.value.fields) == {"keywords", "mobile"}
        with pytest.raises(ValidationError) as exc:
            contacts.update_contact(contact, {"keywords": [f"k{i}" for i in range(21)]})
        assert "keywords" in exc.value.fields


def _names(response) -> set[str]:
    html = response.get_data(as_text=True)
    return {n for n in ("Ann Alm", "Bob Berg", "Cid Cole") if n in html}


def test_keyword_filter_across_customers(people, staff_client):
    client, _member = staff_client(["customers.view"])
    response = client.get("/admin/contacts?keyword=newsletter")
    assert response.status_code == 200
    assert _names(response) == {"Ann Alm", "Bob Berg"}  # two customers
    assert _names(client.get("/admin/contacts?keyword=Decision%20Maker")) == {"Ann Alm"}
    assert _names(client.get("/admin/contacts")) == {"Ann Alm", "Bob Berg", "Cid Cole"}
    assert _names(client.get("/admin/contacts?q=bolt.example")) == {"Bob Berg", "Cid Cole"}
    assert _names(client.get("/admin/contacts?q=cid%20c")) == {"Cid Cole"}
    assert _names(client.get("/admin/contacts?keyword=nobody")) == set()
    assert 'list="keyword-suggestions"' in response.get_data(as_text=True)


def test_view_own_sees_only_its_customers_contacts(people, staff_client, app):
    stranger = staff_client(["customers.view_own"])[0]  # looks after no customer
    assert _names(stranger.get("/admin/contacts?keyword=newsletter")) == set()
    own = app.test_client()
    own.post("/admin/login", data={"email": people["own"].email, "password": PASSWORD})
    assert _names(own.get("/admin/contacts?keyword=newsletter")) == {"Ann Alm"}
    assert _names(own.get("/admin/contacts")) == {"Ann Alm"}
    export = own.get("/admin/contacts/export.csv?keyword=newsletter").get_data(as_text=True)
    assert "ann@acme.example" in export and "bob@bolt.example" not in export


def test_csv_export_columns(people, staff_client):
    client, _member = staff_client(["customers.view"])
    response = client.get("/admin/contacts/export.csv?keyword=newsletter")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Contacts-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["name", "email", "customer", "keywords", "language"]
    assert rows[1:] == [
        ["Ann Alm", "ann@acme.example", "Acme Oy", "decision maker, newsletter", "fi"],
        ["Bob Berg", "bob@bolt.example", "Bolt AB", "newsletter", "en"],
    ]


def test_who_must_not_see_the_contact_list(people, client, staff_client, login_contact):
    for path in ("/admin/contacts", "/admin/contacts/export.csv"):
        assert client.get(path).status_code == 302  # anonymous: to the sign-in
        no_perm = staff_client(["invoices.view"])[0]
        assert no_perm.get(path).status_code == 403
    login_contact(people["ann"])
    assert client.get("/admin/contacts").status_code in (302, 403)


def test_inactive_contacts_hidden_unless_switched(people, staff_client):
    begin_write(db.session)
    with acting_as(SYSTEM):
        contacts.update_contact(db.session.get(Contact, people["cid"].id), {"is_active": False})
    db.session.commit()
    client, _member = staff_client(["customers.view"])
    url = f"/admin/customers/{people['bolt'].id}?tab=contacts"
    hidden = client.get(url).get_data(as_text=True)
    assert "Bob Berg" in hidden and "Cid Cole" not in hidden
    assert "Show inactive (1)" in hidden
    shown = client.get(url + "&inactive=1").get_data(as_text=True)
    assert "Cid Cole" in shown and "Hide inactive contacts" in shown
    # the contact list hides them too, unless asked
    assert "Cid Cole" not in client.get("/admin/contacts").get_data(as_text=True)
    assert "Cid Cole" in client.get("/admin/contacts?status=inactive").get_data(as_text=True)


def test_full_contact_form_saves_every_field(people, staff_client):
    client, _member = staff_client(["customers.view", "customers.edit"])
    bolt = people["bolt"]
    page = client.get(f"/admin/customers/{bolt.id}/contacts/new").get_data(as_text=True)
    for name in ("mobile", "fax", "keywords_text", "phone", "position", "language"):
        assert f'name="{name}"' in page
    assert '<datalist id="keyword-suggestions">' in page and 'value="newsletter"' in page
    response = client.post(
        f"/admin/customers/{bolt.id}/contacts/new",
        data={
            "first_name": "Dee",
            "last_name": "Dahl",
            "email": "dee@bolt.example",
            "mobile": "+46 70 1",
            "fax": "+46 8 2",
            "keywords_text": "Newsletter, VIP",
            "language": "",
            "perm_invoices": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    dee = contacts.find_by_email("dee@bolt.example")
    assert (dee.mobile, dee.fax, [k.name for k in dee.keywords]) == (
        "+46 70 1",
        "+46 8 2",
        ["newsletter", "vip"],
    )
    card = client.get(f"/admin/customers/{bolt.id}?tab=contacts").get_data(as_text=True)
    assert "+46 70 1" in card and "vip" in card and "Created by" in card


def test_contact_list_query_count_is_fixed(people, make_contact, staff_client, count_queries):
    client, _member = staff_client(["customers.view"])
    client.get("/admin/contacts")  # warm the caches
    with count_queries() as few:
        assert client.get("/admin/contacts").status_code == 200
    for i in range(30):
        make_contact(people["bolt"], keywords=[f"tag {i}", "newsletter"])
    client.get("/admin/contacts")
    with count_queries() as many:
        html = client.get("/admin/contacts").get_data(as_text=True)
    assert many.count == few.count
    assert "tag 29" in html
