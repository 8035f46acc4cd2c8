"""Issue 17: the shipping address snapshot on invoices and estimates, printed on the PDF only when
it differs from the billing address; the ZIP exports of estimates and credit notes; the status
``credited`` accepted by the migrated database."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Customer, Estimate, Invoice
from portal.services import billing
from portal.services.platform.audit import SYSTEM, acting_as
from tests.documents17.conftest import ALL_BILLING, assign, text_of

BILLING = {"billing_street": "Main Street 1", "billing_zip": "00100", "billing_city": "Helsinki"}
SHIPPING = {"shipping_street": "Dock 7", "shipping_zip": "00980", "shipping_city": "Vuosaari"}


def test_snapshot_taken_when_issued_and_kept(make_customer, make_invoice, make_estimate, write):
    customer = make_customer("Ship Oy", **BILLING, **SHIPPING)
    draft = make_invoice(customer)
    assert draft.shipping_address == {}
    invoice = make_invoice(customer, issue=True)
    estimate = make_estimate(customer, send=True)
    for document in (invoice, estimate):
        assert document.shipping_address["street"] == "Dock 7"
        assert document.shipping_address["city"] == "Vuosaari"
    write()
    db.session.get(Customer, customer.id).shipping_city = "Kotka"
    db.session.commit()
    assert db.session.get(Invoice, invoice.id).shipping_address["city"] == "Vuosaari"
    assert db.session.get(Estimate, estimate.id).shipping_address["city"] == "Vuosaari"
    no_shipping = make_invoice(make_customer("Plain Oy", **BILLING), issue=True)
    assert no_shipping.shipping_address == {}


@pytest.mark.parametrize("kind", ["invoices", "estimates"])
def test_shipping_address_on_the_pdf_only_when_it_differs(
    kind, make_customer, make_invoice, make_estimate, staff_client
):
    make = (
        (lambda c: make_invoice(c, issue=True))
        if kind == "invoices"
        else (lambda c: make_estimate(c, send=True))
    )
    differs = make(make_customer("Ship Oy", **BILLING, **SHIPPING))
    same_place = {key.replace("billing", "shipping"): value for key, value in BILLING.items()}
    same = make(make_customer("Same Oy", **BILLING, **same_place))
    none = make(make_customer("None Oy", **BILLING))
    client, _ = staff_client(ALL_BILLING)

    def pdf_text(document) -> str:
        response = client.get(f"/admin/{kind}/{document.id}/pdf")
        assert response.status_code == 200
        return text_of(response.data)

    shown = pdf_text(differs)
    assert "SHIP TO" in shown.upper() and "Dock 7" in shown and "00980 Vuosaari" in shown
    assert "Main Street 1" in shown  # the billing address stays
    for document in (same, none):
        printed = pdf_text(document)
        assert "SHIP TO" not in printed.upper() and "Main Street 1" in printed


def _zip_names(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return sorted(zipfile.ZipFile(io.BytesIO(response.data)).namelist())


def test_zip_of_estimates(make_customer, make_estimate, staff_client):
    customer = make_customer("Zip Oy")
    sent, draft = make_estimate(customer, send=True), make_estimate(customer)
    make_estimate(make_customer("Other Oy"), send=True)
    client, _ = staff_client(ALL_BILLING)
    names = _zip_names(client.get(f"/admin/customers/{customer.id}/estimates.zip"))
    assert len(names) == 2 and any(sent.number in n for n in names)
    names = _zip_names(client.get(f"/admin/customers/{customer.id}/estimates.zip?status=sent"))
    assert len(names) == 1 and sent.number in names[0]
    bad = client.get(f"/admin/customers/{customer.id}/estimates.zip?status=lost")
    assert bad.status_code == 302  # refused with a message
    listing = client.get(f"/admin/estimates?customer={customer.id}").get_data(as_text=True)
    assert f"/admin/customers/{customer.id}/estimates.zip" in listing
    assert draft.id


def test_zip_of_credit_notes(make_customer, make_invoice, staff_client, write):
    customer = make_customer("Credit Oy")
    invoice = make_invoice(customer, issue=True)
    write()
    with acting_as(SYSTEM):
        note = billing.issue_invoice(
            billing.create_credit_note(db.session.get(Invoice, invoice.id))
        )
        db.session.commit()
    client, _ = staff_client(ALL_BILLING)
    url = f"/admin/customers/{customer.id}/invoices.zip"
    names = _zip_names(client.get(url, query_string={"kind": "credit_note"}))
    assert len(names) == 1 and note.number in names[0]
    assert len(_zip_names(client.get(url))) == 2  # invoices and credit notes
    listing = client.get(f"/admin/invoices?customer={customer.id}&kind=credit_note")
    assert "Credit notes as ZIP" in listing.get_data(as_text=True)


def test_zips_who_must_not(make_customer, make_estimate, client, staff_client, own_client):
    mine, theirs = make_customer("Mine Oy"), make_customer("Theirs Oy")
    make_estimate(theirs, send=True)
    assert client.get(f"/admin/customers/{theirs.id}/estimates.zip").status_code == 302
    nobody, _ = staff_client(["customers.view"])
    assert nobody.get(f"/admin/customers/{theirs.id}/estimates.zip").status_code == 403
    own, member = own_client()
    assign(member, mine)
    assert own.get(f"/admin/customers/{theirs.id}/estimates.zip").status_code == 404
    path = f"/admin/customers/{theirs.id}/invoices.zip?kind=credit_note"
    assert own.get(path).status_code == 404
    assert own.get(f"/admin/customers/{mine.id}/estimates.zip").status_code == 200


def test_database_accepts_credited_and_still_refuses_unknown(make_invoice, write):
    invoice = make_invoice(issue=True)
    write()
    update = text("UPDATE invoices SET status = :s WHERE id = :id")
    db.session.execute(update, {"s": "credited", "id": invoice.id})
    db.session.commit()
    write()
    with pytest.raises(IntegrityError):
        db.session.execute(update, {"s": "refunded", "id": invoice.id})
    db.session.rollback()
