"""A ticket "about" an invoice or estimate: shown and linked on the portal ticket page, the
admin ticket page and in the API; set and changed by staff; never another customer's document,
and only with the area's permission."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Customer, Ticket
from portal.models.database import begin_write
from portal.services import tickets as service
from portal.services.platform.audit import SYSTEM, acting_as


def _open(customer, contact, **about) -> Ticket:
    begin_write(db.session)
    with acting_as(SYSTEM):
        ticket = service.open_ticket(
            db.session.merge(customer),
            {"subject": "About my invoice", "message": "Why 24 %?", **about},
            [],
            contact=db.session.merge(contact),
        )
        db.session.commit()
    return ticket


@pytest.fixture
def setup(app, make_customer, make_contact, make_invoice, make_estimate):
    mine, other = make_customer("Mine Oy"), make_customer("Other Oy")
    contact = make_contact(mine)
    invoice = make_invoice(mine, issue=True)
    estimate = make_estimate(mine, send=True)
    foreign = make_invoice(other, issue=True)
    with app.test_request_context():
        ticket = _open(mine, contact, invoice_id=str(invoice.id))
    return {
        "mine": mine,
        "other": other,
        "contact": contact,
        "invoice": invoice,
        "estimate": estimate,
        "foreign": foreign,
        "ticket": ticket,
    }


def _set(ticket_id: int, **ids) -> None:
    """Points the ticket at a document directly (as old data or a bug might)."""
    begin_write(db.session)
    ticket = db.session.get(Ticket, ticket_id)
    ticket.invoice_id, ticket.estimate_id = ids.get("invoice_id"), ids.get("estimate_id")
    db.session.commit()


# -- portal -----------------------------------------------------------------------------------


def test_portal_ticket_page_links_the_invoice(setup, contact_client):
    client = contact_client(setup["contact"])
    html = client.get(f"/clients/tickets/{setup['ticket'].id}").get_data(as_text=True)
    assert f'href="/clients/invoices/{setup["invoice"].id}"' in html
    assert f"About: Invoice {setup['invoice'].number}" in html


def test_portal_links_an_estimate_too(setup, contact_client):
    _set(setup["ticket"].id, estimate_id=setup["estimate"].id)
    client = contact_client(setup["contact"])
    html = client.get(f"/clients/tickets/{setup['ticket'].id}").get_data(as_text=True)
    assert f'href="/clients/estimates/{setup["estimate"].id}"' in html


def test_portal_never_shows_another_customers_document(setup, contact_client):
    _set(setup["ticket"].id, invoice_id=setup["foreign"].id)
    client = contact_client(setup["contact"])
    html = client.get(f"/clients/tickets/{setup['ticket'].id}").get_data(as_text=True)
    assert 'id="ticket-about"' not in html
    assert setup["foreign"].number not in html
    assert f"/clients/invoices/{setup['foreign'].id}" not in html


def test_portal_hides_it_without_the_area_permission(setup, make_contact, contact_client):
    tickets_only = make_contact(setup["mine"], permissions=["tickets"])
    client = contact_client(tickets_only)
    html = client.get(f"/clients/tickets/{setup['ticket'].id}").get_data(as_text=True)
    assert "#" + str(setup["ticket"].id) in html  # the ticket itself is shown
    assert 'id="ticket-about"' not in html and setup["invoice"].number not in html


def test_another_customers_contact_gets_404(setup, make_contact, contact_client):
    client = contact_client(make_contact(setup["other"]))
    assert client.get(f"/clients/tickets/{setup['ticket'].id}").status_code == 404


def test_a_contact_cannot_open_a_ticket_about_an_area_it_may_not_see(setup, make_contact):
    tickets_only = make_contact(setup["mine"], permissions=["tickets"])
    from portal.services.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        _open(setup["mine"], tickets_only, invoice_id=str(setup["invoice"].id))
    assert "invoice_id" in caught.value.fields
    db.session.rollback()


# -- admin ------------------------------------------------------------------------------------


def test_admin_ticket_page_links_the_document(setup, staff_client):
    client, _ = staff_client(["tickets.view", "invoices.view"])
    html = client.get(f"/admin/tickets/{setup['ticket'].id}").get_data(as_text=True)
    assert f'href="/admin/invoices/{setup["invoice"].id}"' in html
    assert f"Invoice {setup['invoice'].number}" in html


def test_admin_without_invoice_permission_sees_the_number_but_no_link(setup, staff_client):
    client, _ = staff_client(["tickets.view"])
    html = client.get(f"/admin/tickets/{setup['ticket'].id}").get_data(as_text=True)
    assert f"Invoice {setup['invoice'].number}" in html
    assert f'href="/admin/invoices/{setup["invoice"].id}"' not in html


def test_staff_change_and_clear_it_audited(setup, staff_client):
    client, _ = staff_client(["tickets.view", "tickets.edit"])
    ticket_id = setup["ticket"].id
    url = f"/admin/tickets/{ticket_id}/about"
    response = client.post(url, data={"about": f"estimate:{setup['estimate'].id}"})
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    assert (ticket.invoice_id, ticket.estimate_id) == (None, setup["estimate"].id)
    logged = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "Ticket", AuditLog.entity_id == ticket_id)
    ).all()
    assert any("estimate_id" in (row.changes or {}) for row in logged)
    client.post(url, data={"about": ""})
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    assert (ticket.invoice_id, ticket.estimate_id) == (None, None)


def test_staff_cannot_point_it_at_another_customers_document(setup, staff_client):
    client, _ = staff_client(["tickets.view", "tickets.edit"])
    ticket_id = setup["ticket"].id
    response = client.post(
        f"/admin/tickets/{ticket_id}/about",
        data={"about": f"invoice:{setup['foreign'].id}"},
        follow_redirects=True,
    )
    assert "Choose an invoice or estimate of this customer." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).invoice_id == setup["invoice"].id
    response = client.post(f"/admin/tickets/{ticket_id}/about", data={"about": "invoice:abc"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).invoice_id == setup["invoice"].id


def test_who_must_not_change_it(setup, staff_client, client, make_contact, login_contact):
    url = f"/admin/tickets/{setup['ticket'].id}/about"
    assert "/admin/login" in client.post(url, data={"about": ""}).location
    reader, _ = staff_client(["tickets.view"])
    assert reader.post(url, data={"about": ""}).status_code == 403
    own, member = staff_client(["tickets.view_own", "tickets.edit"])
    begin_write(db.session)
    db.session.get(Customer, setup["other"].id).admins.append(db.session.merge(member))
    db.session.commit()
    assert own.post(url, data={"about": ""}).status_code == 404
    assert own.get(f"/admin/tickets/{setup['ticket'].id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Ticket, setup["ticket"].id).invoice_id == setup["invoice"].id


# -- API --------------------------------------------------------------------------------------


def test_api_ticket_has_its_document(setup, api):
    body = api.get(f"/tickets/{setup['ticket'].id}").get_json()
    assert body["invoice_id"] == setup["invoice"].id and body["estimate_id"] is None
    assert body["about"] == {
        "kind": "invoice",
        "id": setup["invoice"].id,
        "number": setup["invoice"].number,
    }
    listed = api.get("/tickets").get_json()["data"][0]
    assert listed["about"]["number"] == setup["invoice"].number
