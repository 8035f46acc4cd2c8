""" "View as contact": staff with customers.edit open the portal as a contact; the session is
marked on every page, read-only, audited, and ends when the member leaves it."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import AuditLog, Contact


@pytest.fixture
def staff_client(app, make_staff):
    from tests.conftest import PASSWORD

    def make(permissions=None):
        member = make_staff(permissions)
        client = app.test_client()
        response = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
        assert response.status_code == 302
        return client, member

    return make


def test_view_as_shows_the_contacts_portal_read_only(staff_client, make_contact, make_invoice):
    contact = make_contact(language="de")
    invoice = make_invoice(contact.customer, issue=True)
    client, member = staff_client(["customers.view", "customers.edit"])
    response = client.post(f"/admin/contacts/{contact.id}/view-as")
    assert response.status_code == 302 and response.headers["Location"] == "/clients/"
    page = client.get("/clients/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="view-as-banner"' in body and contact.full_name in body
    assert 'lang="de"' in body  # what the contact sees, in its language
    listing = client.get("/clients/invoices").get_data(as_text=True)
    assert invoice.number in listing and 'class="view-as-banner"' in listing
    # Read-only: every state change is refused, without writing anything.
    for path, data in (
        ("/clients/profile", {"profile-first_name": "Hacked", "profile-last_name": "X"}),
        ("/clients/language", {"language": "fr"}),
        ("/clients/logout", {}),
        ("/clients/company", {"company_name": "Hacked"}),
    ):
        assert client.post(path, data=data).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).first_name != "Hacked"
    # Audited start and end.
    assert client.post("/clients/view-as/end").status_code == 302
    actions = db.session.scalars(
        db.select(AuditLog.action).where(AuditLog.entity_id == contact.id).order_by(AuditLog.id)
    ).all()
    assert actions[-2:] == ["view_as_start", "view_as_end"]
    log = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "view_as_start"))
    assert log.actor == f"staff:{member.id}" and log.customer_id == contact.customer_id
    # After leaving, the staff session is not a portal session any more.
    assert client.get("/clients/").status_code == 302


def test_view_as_needs_customers_edit(staff_client, make_contact):
    contact = make_contact()
    client, _member = staff_client(["customers.view"])
    assert client.post(f"/admin/contacts/{contact.id}/view-as").status_code == 403
    assert client.get("/clients/").status_code == 302


def test_view_as_respects_view_own_scoping(staff_client, make_contact):
    contact = make_contact()
    client, _member = staff_client(["customers.view_own", "customers.edit"])
    assert client.post(f"/admin/contacts/{contact.id}/view-as").status_code == 404


def test_a_contact_cannot_start_view_as(make_contact, contact_client):
    contact = make_contact()
    other = make_contact()
    client = contact_client(contact)
    response = client.post(f"/admin/contacts/{other.id}/view-as")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
