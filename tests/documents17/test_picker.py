"""Issue 17: "New invoice" / "New estimate" with a customer picker that works without JavaScript
(a GET search, a "Choose" button per customer), changing the customer of a draft (the currency
follows, refused when it is fixed) and the customer's remarks shown to staff."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.models import Estimate, Invoice
from portal.services.billing import estimates as estimate_service
from portal.services.platform.audit import SYSTEM, acting_as
from tests.admin.conftest import reload
from tests.documents17.conftest import ALL_BILLING, assign


def _choices(html: str) -> list[str]:
    return re.findall(r'action="(/admin/customers/\d+/(?:invoices|estimates)/new)"', html)


def test_picker_without_javascript(make_customer, staff_client):
    nordic = make_customer("Nordic Pixel Oy", number="C-7731")
    make_customer("Acme Analytics")
    make_customer("Nordic Closed Oy", is_active=False)
    client, _ = staff_client(ALL_BILLING)
    listing = client.get("/admin/invoices").get_data(as_text=True)
    assert 'href="/admin/invoices/new"' in listing and "New invoice" in listing
    page = client.get("/admin/invoices/new")
    assert page.status_code == 200 and _choices(page.get_data(as_text=True)) == []
    html = client.get("/admin/invoices/new?q=nordic").get_data(as_text=True)
    assert _choices(html) == [f"/admin/customers/{nordic.id}/invoices/new"]  # active only
    assert 'method="get"' in html and "Choose" in html and "<script" not in html.split("<main")[-1]
    assert client.get("/admin/invoices/new?q=c-7731").get_data(as_text=True).count("Choose") == 1
    form = client.get(f"/admin/customers/{nordic.id}/invoices/new")  # what "Choose" opens
    assert form.status_code == 200 and "New invoice for Nordic Pixel Oy" in form.get_data(True)
    html = client.get("/admin/estimates/new?q=nordic").get_data(as_text=True)
    assert _choices(html) == [f"/admin/customers/{nordic.id}/estimates/new"]
    chosen = client.get(f"/admin/invoices/new?customer={nordic.id}")
    assert chosen.location.endswith(f"/admin/customers/{nordic.id}/invoices/new")


def test_picker_who_must_not(make_customer, client, staff_client, own_client):
    mine, theirs = make_customer("Nordic Mine Oy"), make_customer("Nordic Theirs Oy")
    assert client.get("/admin/invoices/new?q=nordic").status_code == 302  # anonymous
    reader, _ = staff_client(["invoices.view", "estimates.view"])
    assert reader.get("/admin/invoices/new?q=nordic").status_code == 403
    assert reader.get("/admin/estimates/new?q=nordic").status_code == 403
    own, member = own_client()
    assign(member, mine)
    html = own.get("/admin/invoices/new?q=nordic").get_data(as_text=True)
    assert _choices(html) == [f"/admin/customers/{mine.id}/invoices/new"]
    assert own.get(f"/admin/invoices/new?customer={theirs.id}").status_code == 404


def test_change_customer_of_a_draft(make_customer, make_invoice, make_estimate, staff_client):
    first = make_customer("First Oy")
    second = make_customer("Second AB", currency="SEK")
    draft = make_invoice(first)
    client, _ = staff_client(ALL_BILLING)
    page = client.get(f"/admin/invoices/{draft.id}").get_data(as_text=True)
    assert f'href="/admin/invoices/{draft.id}/customer"' in page
    html = client.get(f"/admin/invoices/{draft.id}/customer?q=second").get_data(as_text=True)
    assert 'method="post"' in html and "Second AB" in html and "csrf_token" in html
    response = client.post(
        f"/admin/invoices/{draft.id}/customer",
        data={"customer_id": second.id, "version": reload(draft).version},
    )
    assert response.status_code == 302
    moved = reload(draft)
    assert moved.customer_id == second.id and moved.currency.code == "SEK"
    estimate = make_estimate(first)
    client.post(f"/admin/estimates/{estimate.id}/customer", data={"customer_id": second.id})
    assert reload(estimate).customer_id == second.id and reload(estimate).currency.code == "SEK"


def test_change_customer_refused(make_customer, make_invoice, make_estimate, staff_client, write):
    first, same = make_customer("First Oy"), make_customer("Same Currency Oy")
    other = make_customer("Krona AB", currency="SEK")
    estimate = make_estimate(first, send=True)
    write()
    with acting_as(SYSTEM):
        row = db.session.get(Estimate, estimate.id)
        estimate_service.accept_estimate(row, "Ann Buyer")
        converted = estimate_service.convert_estimate_to_invoice(row)
        db.session.commit()
    client, _ = staff_client(ALL_BILLING)
    response = client.post(
        f"/admin/invoices/{converted.id}/customer",
        data={"customer_id": other.id},
        follow_redirects=True,
    )
    assert "The currency of this draft is fixed (EUR, from the accepted estimate)" in (
        response.get_data(as_text=True)
    )
    assert reload(converted).customer_id == first.id
    client.post(f"/admin/invoices/{converted.id}/customer", data={"customer_id": same.id})
    assert reload(converted).customer_id == same.id  # same currency: allowed
    issued = make_invoice(first, issue=True)
    response = client.post(
        f"/admin/invoices/{issued.id}/customer",
        data={"customer_id": same.id},
        follow_redirects=True,
    )
    assert "Only a draft&#39;s customer can be changed." in response.get_data(as_text=True)
    assert reload(issued).customer_id == first.id
    stale = make_invoice(first)
    client.post(
        f"/admin/invoices/{stale.id}/customer", data={"customer_id": same.id, "version": 99}
    )
    assert reload(stale).customer_id == first.id  # someone saved meanwhile


def test_change_customer_who_must_not(make_customer, make_invoice, staff_client, own_client):
    mine, theirs = make_customer("Mine Oy"), make_customer("Theirs Oy")
    draft = make_invoice(mine)
    reader, _ = staff_client(["invoices.view"])
    assert reader.post(f"/admin/invoices/{draft.id}/customer", data={}).status_code == 403
    own, member = own_client()
    assign(member, mine)
    response = own.post(f"/admin/invoices/{draft.id}/customer", data={"customer_id": theirs.id})
    assert response.status_code == 404 and reload(draft).customer_id == mine.id
    other_draft = make_invoice(theirs)
    assert own.get(f"/admin/invoices/{other_draft.id}/customer").status_code == 404


def test_remarks_shown_to_staff_on_drafts_and_documents(
    make_customer, make_invoice, make_estimate, make_contact, staff_client, client, login_contact
):
    customer = make_customer("Remark Oy", remarks="Always call before delivery")
    invoice, estimate = make_invoice(customer, issue=True), make_estimate(customer)
    staff, _ = staff_client(ALL_BILLING)
    for path in (
        f"/admin/customers/{customer.id}/invoices/new",
        f"/admin/customers/{customer.id}/estimates/new",
        f"/admin/invoices/{invoice.id}",
        f"/admin/estimates/{estimate.id}",
        f"/admin/estimates/{estimate.id}/edit",
    ):
        assert "Always call before delivery" in staff.get(path).get_data(as_text=True), path
    login_contact(make_contact(customer))
    portal = client.get(f"/clients/invoices/{invoice.id}")
    assert portal.status_code == 200
    assert "Always call before delivery" not in portal.get_data(as_text=True)


def test_new_document_buttons_need_the_create_permission(staff_client, make_invoice):
    make_invoice()
    reader, _ = staff_client(["invoices.view", "estimates.view"])
    assert "/admin/invoices/new" not in reader.get("/admin/invoices").get_data(as_text=True)
    assert "/admin/estimates/new" not in reader.get("/admin/estimates").get_data(as_text=True)
    assert db.session.query(Invoice).count() == 1
