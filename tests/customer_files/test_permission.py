"""The ``documents`` contact permission is given and taken where the others are: the admin's
contact form, a contact's team page (within the inviter's own permissions) and the API."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Contact
from tests.api.conftest import api, make_token  # noqa: F401 - the API's fixtures


def _contact(pk: int) -> Contact:
    db.session.expire_all()
    return db.session.get(Contact, pk)


def test_new_contacts_have_it_and_staff_take_it_away_on_the_contact_form(
    staff_client, make_customer, make_contact
):
    customer = make_customer()
    make_contact(customer)
    colleague = make_contact(customer)
    assert _contact(colleague.id).can_documents is True
    client, _member = staff_client(["customers.view", "customers.edit"])
    form = client.get(f"/admin/customers/{customer.id}/contacts/new").get_data(as_text=True)
    assert '<input checked id="perm_documents" name="perm_documents"' in form

    url = f"/admin/customers/{customer.id}/contacts/{colleague.id}"
    data = {
        "first_name": colleague.first_name,
        "last_name": colleague.last_name,
        "email": colleague.email,
        "language": "",
        "perm_invoices": "y",
    }
    assert client.post(url, data=data).status_code == 302
    assert _contact(colleague.id).permissions == ["invoices"]
    assert client.post(url, data={**data, "perm_documents": "y"}).status_code == 302
    assert _contact(colleague.id).permissions == ["invoices", "documents"]
    card = client.get(f"/admin/customers/{customer.id}?tab=contacts").get_data(as_text=True)
    assert "Invoices, Documents" in card


def test_a_contact_managing_its_company_gives_documents_only_if_it_has_it(
    make_customer, make_contact, contact_client
):
    customer = make_customer()
    primary = make_contact(customer)
    manager = make_contact(customer, permissions=["company", "tickets"])
    member = make_contact(customer, permissions=["tickets"])

    page = contact_client(primary).get("/clients/contacts").get_data(as_text=True)
    assert 'value="documents"' in page
    response = contact_client(primary).post(
        f"/clients/contacts/{member.id}", data={"permissions": ["tickets", "documents"]}
    )
    assert response.status_code == 302
    assert _contact(member.id).permissions == ["tickets", "documents"]

    manager_client = contact_client(manager)
    assert 'value="documents"' not in manager_client.get("/clients/contacts").get_data(as_text=True)
    manager_client.post(f"/clients/contacts/{member.id}", data={"permissions": ["tickets"]})
    # The manager may not touch what it does not have itself: documents stays.
    assert _contact(member.id).permissions == ["tickets", "documents"]


def test_the_api_reads_and_writes_it(api, make_customer, make_contact):  # noqa: F811
    customer = make_customer()
    make_contact(customer)
    response = api.post(
        f"/customers/{customer.id}/contacts",
        {
            "first_name": "Bo",
            "last_name": "Ek",
            "email": "bo@example.com",
            "permissions": ["documents"],
        },
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["permissions"] == ["documents"]
    response = api.patch(f"/contacts/{created['id']}", {"permissions": ["invoices"]})
    assert response.status_code == 200
    assert response.get_json()["permissions"] == ["invoices"]
    bad = api.patch(f"/contacts/{created['id']}", {"permissions": ["files"]})
    assert bad.status_code == 422
