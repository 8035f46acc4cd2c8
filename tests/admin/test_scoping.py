"""``view_own``: a member sees only the customers assigned to them (and their invoices,
estimates, tickets) everywhere; ``view`` sees all; neither sees nothing. Demonstrated on the
scoping service itself, the dashboard counts and the customer-admins pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.extensions import db
from portal.models import Customer, Estimate, Invoice, Ticket
from portal.models.base import utcnow
from portal.services.access import staff as scoping
from tests.admin.conftest import reload


@pytest.fixture
def world(make_customer, make_invoice, make_estimate, make_staff, write):
    """Two customers with an overdue invoice, a sent estimate and an open ticket each; a
    view_own member assigned to the first one only."""
    mine = make_customer("Mine Ltd")
    theirs = make_customer("Theirs Ltd")
    invoices = []
    for customer, amount in ((mine, "100.00"), (theirs, "1000.00")):
        invoices.append(make_invoice(customer, issue=True, lines=[("Work", "1", amount, "0")]).id)
        make_estimate(customer, send=True)
    own = make_staff(
        ["customers.view_own", "invoices.view_own", "estimates.view_own", "tickets.view_own"]
    )
    write()
    for invoice_id in invoices:
        db.session.get(Invoice, invoice_id).due_date = utcnow().date() - timedelta(days=3)
    for customer in (mine, theirs):
        db.session.add(Ticket(customer_id=customer.id, subject=f"Help {customer.company_name}"))
    db.session.get(Customer, mine.id).admins.append(db.session.get(type(own), own.id))
    db.session.commit()
    return {"mine": mine.id, "theirs": theirs.id, "own": own}


def _names(staff, area="customers"):
    stmt = scoping.scope_query(select(Customer.company_name), staff, area)
    return set(db.session.scalars(stmt))


def test_scope_query_per_capability(world, make_staff):
    own = reload(world["own"])
    assert _names(own) == {"Mine Ltd"}
    assert _names(make_staff(["customers.view"])) == {"Mine Ltd", "Theirs Ltd"}
    assert _names(make_staff(None)) == {"Mine Ltd", "Theirs Ltd"}
    assert _names(make_staff(["invoices.view"])) == set()


@pytest.mark.parametrize(
    ("model", "area"), [(Invoice, "invoices"), (Estimate, "estimates"), (Ticket, "tickets")]
)
def test_documents_follow_their_customer(world, make_staff, model, area):
    own = reload(world["own"])
    rows = db.session.scalars(scoping.scope_query(select(model), own, area, model)).all()
    assert {r.customer_id for r in rows} == {world["mine"]}
    everyone = make_staff([f"{area}.view"])
    assert (
        len(db.session.scalars(scoping.scope_query(select(model), everyone, area, model)).all())
        == 2
    )
    nobody = make_staff(["customers.view"])
    assert db.session.scalars(scoping.scope_query(select(model), nobody, area, model)).all() == []


def test_get_customer_or_404(world, make_staff):
    own = reload(world["own"])
    assert scoping.get_customer_or_404(world["mine"], own).company_name == "Mine Ltd"
    with pytest.raises(NotFound):
        scoping.get_customer_or_404(world["theirs"], own)
    invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.customer_id == world["theirs"]))
    with pytest.raises(NotFound):
        scoping.get_scoped_or_404(Invoice, invoice_id, own, "invoices")
    admin = make_staff(None)
    assert scoping.get_customer_or_404(world["theirs"], admin).company_name == "Theirs Ltd"


def _dashboard(staff_client, permissions):
    client, _member = staff_client(permissions)
    return client.get("/admin/").get_data(as_text=True)


def test_dashboard_counts_only_assigned_customers_for_view_own(world, app):
    client = app.test_client()
    from tests.conftest import PASSWORD

    client.post("/admin/login", data={"email": world["own"].email, "password": PASSWORD})
    body = client.get("/admin/").get_data(as_text=True)
    assert "100.00" in body and "1,000.00" not in body
    assert '<p class="figure">1</p>' in body
    assert body.count('<p class="figure">1</p>') == 2  # estimates and tickets


def test_dashboard_for_the_administrator_counts_all(world, staff_client):
    body = _dashboard(staff_client, None)
    assert "1,100.00" in body
    assert body.count('<p class="figure">2</p>') == 2


def test_dashboard_hides_areas_without_permission(world, staff_client):
    body = _dashboard(staff_client, ["tickets.view"])
    assert "Open invoices" not in body and "Open estimates" not in body
    assert "Open tickets" in body


def test_customer_admins_list_is_scoped(world, app, staff_client, count_queries):
    from tests.conftest import PASSWORD

    client = app.test_client()
    client.post("/admin/login", data={"email": world["own"].email, "password": PASSWORD})
    body = client.get("/admin/customer-admins").get_data(as_text=True)
    assert "Mine Ltd" in body and "Theirs Ltd" not in body
    assert client.get(f"/admin/customer-admins/{world['theirs']}").status_code == 404
    assert client.get(f"/admin/customer-admins/{world['mine']}").status_code == 200
    admin, _ = staff_client(None)
    with count_queries() as q:
        everything = admin.get("/admin/customer-admins?q=ltd").get_data(as_text=True)
    assert "Mine Ltd" in everything and "Theirs Ltd" in everything
    assert q.count <= 8


def test_assign_and_unassign(world, staff_client, make_staff):
    client, _me = staff_client(["customers.view", "customers.edit"])
    helper = make_staff(["customers.view_own"])
    response = client.post(
        f"/admin/customer-admins/{world['theirs']}", data={"staff_id": helper.id}
    )
    assert response.status_code == 302
    assert _names(reload(helper)) == {"Theirs Ltd"}
    client.post(f"/admin/customer-admins/{world['theirs']}/remove/{helper.id}")
    db.session.expire_all()
    assert _names(reload(helper)) == set()


def test_assign_refuses_an_unknown_member(world, staff_client):
    client, _me = staff_client(["customers.view", "customers.edit"])
    response = client.post(f"/admin/customer-admins/{world['theirs']}", data={"staff_id": 99999})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_view_own_cannot_assign_outside_its_customers(world, app, make_staff):
    from tests.conftest import PASSWORD

    member = make_staff(["customers.view_own", "customers.edit"])
    client = app.test_client()
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    response = client.post(
        f"/admin/customer-admins/{world['theirs']}", data={"staff_id": member.id}
    )
    assert response.status_code == 404
    assert _names(reload(member)) == set()
