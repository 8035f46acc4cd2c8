"""Admin estimate pages: who must NOT see them, the list with the derived expired status and a
fixed query count, drafts, bad input, the version conflict, send with its email and number,
convert an accepted estimate into an invoice, duplicate, delete and the PDF."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Estimate, Invoice, OutboxEmail
from tests.admin.conftest import reload
from tests.admin.test_invoices import draft_form, line, text_of

EDITOR = [
    "estimates.view",
    "estimates.create",
    "estimates.edit",
    "estimates.delete",
    "invoices.create",
    "invoices.view",
]


@pytest.fixture(autouse=True)
def _pdf_cache(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "pdf-cache"))
    return tmp_path


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def estimate_form(*rows, **fields) -> dict:
    data = draft_form(*rows, **fields)
    data.pop("due_date")
    data.setdefault("expiry_date", "")
    return data


def _accept(estimate: Estimate, write) -> None:
    from portal.services.billing import estimates
    from portal.services.platform.audit import SYSTEM, acting_as

    write()
    with acting_as(SYSTEM):
        estimates.accept_estimate(db.session.get(Estimate, estimate.id), "Aino Virtanen")
        db.session.commit()


def test_anonymous_contacts_and_staff_without_permission_are_kept_out(
    client, staff_client, make_estimate, make_contact, login_contact
):
    estimate = make_estimate(send=True)
    paths = [
        "/admin/estimates",
        f"/admin/estimates/{estimate.id}",
        f"/admin/estimates/{estimate.id}/pdf",
    ]
    for path in paths:
        assert "/admin/login" in client.get(path).location
    login_contact(make_contact(estimate.customer))
    for path in paths:
        assert "/admin/login" in client.get(path).location
    outsider, _ = staff_client(["invoices.view", "customers.view"])
    for path in [*paths, f"/admin/customers/{estimate.customer_id}/estimates/new"]:
        assert outsider.get(path).status_code == 403, path
    viewer, _ = staff_client(["estimates.view"])
    for action in ("send", "convert", "duplicate", "delete"):
        assert viewer.post(f"/admin/estimates/{estimate.id}/{action}").status_code == 403
    # Converting needs invoices.create as well.
    editor, _ = staff_client(["estimates.view", "estimates.edit"])
    assert editor.post(f"/admin/estimates/{estimate.id}/convert").status_code == 403


def test_view_own_staff_get_404_for_unassigned_customers(
    staff_client, make_customer, make_estimate, write
):
    mine, other = make_customer("Mine Oy"), make_customer("Other Oy")
    my_estimate, other_estimate = make_estimate(mine, send=True), make_estimate(other, send=True)
    client, member = staff_client(
        [
            "estimates.view_own",
            "estimates.edit",
            "estimates.delete",
            "estimates.create",
            "invoices.create",
        ]
    )
    write()
    db.session.get(Customer, mine.id).admins.append(db.session.get(type(member), member.id))
    db.session.commit()
    listing = client.get("/admin/estimates").get_data(as_text=True)
    assert my_estimate.number in listing and other_estimate.number not in listing
    for path in (
        f"/admin/estimates/{other_estimate.id}",
        f"/admin/estimates/{other_estimate.id}/pdf",
        f"/admin/estimates/{other_estimate.id}/edit",
        f"/admin/customers/{other.id}/estimates/new",
    ):
        assert client.get(path).status_code == 404, path
    for action in ("send", "convert", "duplicate", "delete"):
        assert client.post(f"/admin/estimates/{other_estimate.id}/{action}").status_code == 404


def test_list_filters_expired_and_keeps_a_fixed_query_count(
    staff_client, make_customer, make_estimate, write, count_queries
):
    open_one = make_estimate(send=True)
    expired = make_estimate(send=True)
    draft = make_estimate()
    write()
    db.session.get(Estimate, expired.id).expiry_date = date.today() - timedelta(days=1)
    db.session.commit()
    client, _ = staff_client(["estimates.view"])

    def numbers(query: str) -> set[str]:
        return set(
            re.findall(r"EST-\d{6}", client.get(f"/admin/estimates?{query}").get_data(as_text=True))
        )

    assert numbers("status=expired") == {expired.number}
    assert numbers("status=sent") == {open_one.number}
    assert numbers("status=draft") == set()
    assert f'/admin/estimates/{draft.id}"' in client.get("/admin/estimates?status=draft").get_data(
        as_text=True
    )
    db.session.expire_all()  # as after the factories' commits
    with count_queries() as few:
        client.get("/admin/estimates")
    for _ in range(5):
        make_estimate(make_customer(), send=True)
    db.session.expire_all()
    with count_queries() as many:
        client.get("/admin/estimates")
    assert many.count == few.count


def test_create_edit_conflict_and_bad_input(staff_client, make_customer):
    customer = make_customer()
    client, _ = staff_client(EDITOR)
    bad = client.post(
        f"/admin/customers/{customer.id}/estimates/new",
        data=estimate_form(line(0, "Work", "1", "x"), expiry_date="soon"),
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="lines-0-unit_price-error">Enter a number such as 12.50.<' in body
    assert 'id="expiry_date-error">Enter a date such as 2024-12-31.<' in body
    assert count(Estimate) == 0

    response = client.post(
        f"/admin/customers/{customer.id}/estimates/new",
        data=estimate_form(line(0, "Design", "3", "50"), expiry_date="2031-06-30"),
    )
    assert response.status_code == 302
    estimate = db.session.scalar(select(Estimate))
    assert estimate.total == 150 and estimate.expiry_date == date(2031, 6, 30)

    other, _ = staff_client(EDITOR)
    page = client.get(f"/admin/estimates/{estimate.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert (
        other.post(
            f"/admin/estimates/{estimate.id}/edit",
            data=estimate_form(line(0, "Theirs", "1", "1"), version=version),
        ).status_code
        == 302
    )
    late = client.post(
        f"/admin/estimates/{estimate.id}/edit",
        data=estimate_form(line(0, "Mine", "1", "1"), version=version),
    )
    assert late.status_code == 409
    assert "Someone else saved this document" in late.get_data(as_text=True)
    assert [ln.description for ln in reload(estimate).lines] == ["Theirs"]


def test_send_numbers_and_emails_then_convert_duplicate_and_delete(
    staff_client, make_customer, make_contact, make_estimate, write
):
    customer = make_customer()
    make_contact(customer, email="buyer@example.com", is_primary=True)
    first, second = make_estimate(customer), make_estimate(customer)
    client, _ = staff_client(EDITOR)
    assert client.post(f"/admin/estimates/{second.id}/send").status_code == 302
    assert client.post(f"/admin/estimates/{first.id}/send").status_code == 302
    assert (reload(second).number, reload(first).number) == ("EST-000001", "EST-000002")
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert [e.recipient for e in emails] == ["buyer@example.com"] * 2
    assert emails[0].attachments[0]["kind"] == "estimate_pdf"

    # Not accepted yet: converting is refused.
    body = client.post(f"/admin/estimates/{first.id}/convert", follow_redirects=True)
    assert "Only an accepted estimate can be converted" in body.get_data(as_text=True)
    _accept(first, write)
    page = client.get(f"/admin/estimates/{first.id}").get_data(as_text=True)
    assert "Accepted by Aino Virtanen" in page and "/convert" in page
    response = client.post(f"/admin/estimates/{first.id}/convert")
    invoice = db.session.scalar(select(Invoice))
    assert response.location.endswith(f"/admin/invoices/{invoice.id}")
    assert invoice.estimate_id == first.id and invoice.status == "draft"
    assert invoice.total == reload(first).total and reload(first).status == "invoiced"

    client.post(f"/admin/estimates/{first.id}/duplicate")
    copy = db.session.scalars(select(Estimate).order_by(Estimate.id.desc())).first()
    assert copy.status == "draft" and copy.number is None
    assert client.post(f"/admin/estimates/{copy.id}/delete").status_code == 302
    assert db.session.get(Estimate, copy.id) is None
    body = client.post(f"/admin/estimates/{first.id}/delete", follow_redirects=True)
    assert "Only a draft can be deleted." in body.get_data(as_text=True)


def test_pdf_with_etag_and_language(staff_client, make_customer, make_estimate):
    estimate = make_estimate(make_customer(language="fr"), send=True)
    client, _ = staff_client(["estimates.view"])
    response = client.get(f"/admin/estimates/{estimate.id}/pdf")
    assert response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == f"inline; filename=Devis-{estimate.number}.pdf"
    )
    assert estimate.number in text_of(response.data) and "Devis" in text_of(response.data)
    again = client.get(
        f"/admin/estimates/{estimate.id}/pdf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_customer_card_links_estimates_and_new_estimate(staff_client, make_customer, make_estimate):
    customer = make_customer()
    estimate = make_estimate(customer, send=True)
    client, _ = staff_client(["customers.view", *EDITOR])
    card = client.get(f"/admin/customers/{customer.id}?tab=estimates").get_data(as_text=True)
    assert f'href="/admin/estimates/{estimate.id}"' in card
    assert f"/admin/customers/{customer.id}/estimates/new" in card
    viewer, _ = staff_client(["customers.view", "estimates.view"])
    card = viewer.get(f"/admin/customers/{customer.id}?tab=estimates").get_data(as_text=True)
    assert "/estimates/new" not in card
