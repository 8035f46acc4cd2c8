"""The customer's account owner (an active staff member), industry and market segment (lists
kept in Setup), company email; the first address becomes the headquarters; "created by ...,
last changed by ..." on the card; the same fields in the API and the CSV import and export."""

from __future__ import annotations

import csv
import io

import pytest

from portal.extensions import db
from portal.models import Customer, CustomerAddress, Industry, MarketSegment, Staff
from portal.models.database import begin_write
from portal.services import customers
from portal.services.customers import import_export, records, reference
from portal.services.errors import ConflictError, ValidationError
from portal.services.platform.audit import SYSTEM, acting_as
from tests.api.conftest import field_errors


@pytest.fixture
def lists(app):
    begin_write(db.session)
    with acting_as(SYSTEM):
        retail = reference.save_named(Industry, None, {"name": "Retail"})
        smb = reference.save_named(MarketSegment, None, {"name": "SMB"})
        reference.save_named(MarketSegment, None, {"name": "Enterprise"})
    db.session.commit()
    return {"industry": retail, "segment": smb}


@pytest.fixture
def retired(make_staff):
    member = make_staff(["customers.view"])
    begin_write(db.session)
    db.session.get(Staff, member.id).is_active = False
    db.session.commit()
    return member


def test_owner_must_be_an_active_staff_member(make_customer, make_staff, retired, write):
    customer = make_customer()
    owner = make_staff(["customers.view"])
    write()
    with acting_as(SYSTEM):
        for value in (retired.id, 999999, "nobody"):
            with pytest.raises(ValidationError) as exc:
                customers.update_customer(customer, {"account_owner_id": value})
            assert exc.value.fields == {"account_owner_id": "Choose an active staff member."}
        customers.update_customer(customer, {"account_owner_id": owner.id})
        assert customer.account_owner.id == owner.id
        customers.update_customer(customer, {"account_owner_id": None})
        assert customer.account_owner is None


def test_industry_segment_and_email(make_customer, lists, write):
    customer = make_customer(
        industry="retail", market_segment=lists["segment"].id, email="Office@Acme.Example"
    )
    assert (customer.industry.name, customer.market_segment.name) == ("Retail", "SMB")
    assert customer.email == "office@acme.example"
    write()
    with acting_as(SYSTEM), pytest.raises(ValidationError) as exc:
        customers.update_customer(
            customer, {"industry": "Mining", "market_segment": 999, "email": "nope"}
        )
    assert set(exc.value.fields) == {"industry", "market_segment", "email"}


def test_an_industry_in_use_cannot_be_deleted(make_customer, lists, write):
    make_customer(industry="Retail")
    write()
    with acting_as(SYSTEM), pytest.raises(ConflictError):
        reference.delete_named(db.session.get(Industry, lists["industry"].id))
    with acting_as(SYSTEM):
        reference.delete_named(db.session.scalar(db.select(MarketSegment).filter_by(name="SMB")))
    assert reference.usage_counts(Industry) == {lists["industry"].id: 1}


def test_the_first_address_becomes_the_headquarters(make_customer, write):
    customer = make_customer()
    write()
    with acting_as(SYSTEM):
        first = records.save_address(customer, None, {"label": "Office"})
        second = records.save_address(customer, None, {"label": "Warehouse"})
    assert first.is_headquarters and not second.is_headquarters


# -- pages ------------------------------------------------------------------------------------


def test_form_shows_the_owner_error_next_to_the_field(make_customer, staff_client, retired, lists):
    customer = make_customer("Acme Oy")
    client, member = staff_client(["customers.view", "customers.edit"])
    page = client.get(f"/admin/customers/{customer.id}/edit").get_data(as_text=True)
    for name in ("email", "account_owner_id", "industry", "market_segment"):
        assert f'name="{name}"' in page
    assert f'value="{retired.id}"' not in page  # only active staff are offered
    data = {
        "company_name": "Acme Oy",
        "currency": "EUR",
        "language": "",
        "tax_class_id": "",
        "account_owner_id": str(member.id),
        "industry": "Retail",
        "market_segment": "SMB",
        "email": "office@acme.example",
    }
    assert client.post(f"/admin/customers/{customer.id}/edit", data=data).status_code == 302
    card = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    for text in (
        member.name,
        "Retail",
        "SMB",
        "office@acme.example",
        "Created by System",
        f"last changed by {member.name}",
    ):
        assert text in card, text
    # a member made inactive after the page was shown: refused with the field's message
    begin_write(db.session)
    db.session.get(Staff, member.id).is_active = False
    db.session.commit()
    other, _ = staff_client(["customers.view", "customers.edit"])
    response = other.post(f"/admin/customers/{customer.id}/edit", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        '<p class="field-error" id="account_owner_id-error">Choose an active staff member.</p>'
        in html
    )


def test_setup_lists_and_their_permissions(lists, staff_client, client, make_customer):
    viewer, _ = staff_client(["customers.view"])
    for path in ("/admin/industries", "/admin/segments"):
        assert client.get(path).status_code == 302  # anonymous
        assert staff_client(["invoices.view"])[0].get(path).status_code == 403
        assert viewer.get(path).status_code == 200
    assert "Retail" in viewer.get("/admin/industries").get_data(as_text=True)
    assert viewer.get("/admin/classifications/industries/new").status_code == 403
    assert (
        viewer.post(f"/admin/classifications/segments/{lists['segment'].id}/delete").status_code
        == 403
    )
    editor, _ = staff_client(["customers.view", "customers.edit", "customers.delete"])
    response = editor.post("/admin/classifications/industries/new", data={"name": "Energy"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Industry).filter_by(name="Energy")) is not None
    dup = editor.post("/admin/classifications/industries/new", data={"name": "energy"})
    assert "This name is already used." in dup.get_data(as_text=True)
    assert editor.get("/admin/classifications/nothing/new").status_code == 404
    make_customer(market_segment="SMB")
    editor.post(f"/admin/classifications/segments/{lists['segment'].id}/delete")
    assert db.session.get(MarketSegment, lists["segment"].id) is not None  # in use: kept


# -- API --------------------------------------------------------------------------------------


def test_api_reads_and_writes_the_profile(api, make_staff, retired, lists):
    owner = make_staff(["customers.view"])
    response = api.post(
        "/customers",
        {
            "company_name": "Api Oy",
            "account_owner_id": owner.id,
            "industry": "Retail",
            "market_segment": "SMB",
            "email": "hello@api.example",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["account_owner_id"], body["industry"], body["market_segment"], body["email"]) == (
        owner.id,
        "Retail",
        "SMB",
        "hello@api.example",
    )
    refused = api.patch(f"/customers/{body['id']}", {"account_owner_id": retired.id})
    assert refused.status_code == 422
    assert field_errors(refused) == {"account_owner_id": "Choose an active staff member."}
    assert api.get(f"/customers/{body['id']}").get_json()["account_owner_id"] == owner.id
    spec = api.get("/openapi.json").get_json()["components"]["schemas"]
    assert {"account_owner_id", "industry", "market_segment", "email"} <= set(
        spec["CustomerOut"]["properties"]
    )
    assert {"mobile", "fax", "keywords"} <= set(spec["ContactOut"]["properties"])
    assert {"mobile", "fax", "keywords"} <= set(spec["ContactCreate"]["properties"])


def test_api_contact_mobile_fax_keywords(api, make_customer):
    customer = make_customer()
    response = api.post(
        f"/customers/{customer.id}/contacts",
        {
            "first_name": "A",
            "last_name": "B",
            "email": "ab@api.example",
            "mobile": "+358 40 1",
            "fax": "+358 9 2",
            "keywords": ["Newsletter", "decision maker"],
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["mobile"], body["fax"], body["keywords"]) == (
        "+358 40 1",
        "+358 9 2",
        ["decision maker", "newsletter"],
    )
    patched = api.patch(f"/contacts/{body['id']}", {"keywords": ["vip"]}).get_json()
    assert patched["keywords"] == ["vip"]
    assert api.patch(f"/contacts/{body['id']}", {"keywords": ["x" * 61]}).status_code == 422


# -- import and export ------------------------------------------------------------------------


def test_import_and_export_carry_the_new_columns(make_staff, make_currency, lists, write):
    make_currency("EUR", "€", 2, True)
    owner = make_staff(["customers.view"], email="owner@example.com")
    write()
    rows = [
        {
            "company_name": "Imp Oy",
            "email": "info@imp.example",
            "account_owner": "owner@example.com",
            "industry": "Retail",
            "market_segment": "SMB",
            "contact_first_name": "Ida",
            "contact_last_name": "Imp",
            "contact_email": "ida@imp.example",
            "contact_mobile": "+358 50 1",
            "contact_fax": "+358 9 1",
            "contact_keywords": "Newsletter; VIP",
        }
    ]
    with acting_as(SYSTEM):
        result = import_export.apply(rows)
    assert result.ok, result.errors
    customer = db.session.scalar(db.select(Customer).filter_by(company_name="Imp Oy"))
    assert (customer.email, customer.account_owner.id, customer.industry.name) == (
        "info@imp.example",
        owner.id,
        "Retail",
    )
    contact = customer.primary_contact
    assert (contact.mobile, contact.fax, [k.name for k in contact.keywords]) == (
        "+358 50 1",
        "+358 9 1",
        ["newsletter", "vip"],
    )
    lines = "".join(import_export.export_csv([customer])).lstrip("\ufeff")
    header, row = list(csv.reader(io.StringIO(lines)))
    record = dict(zip(header, row, strict=True))
    assert {
        k: record[k]
        for k in (
            "email",
            "account_owner",
            "industry",
            "market_segment",
            "contact_mobile",
            "contact_fax",
            "contact_keywords",
        )
    } == {
        "email": "info@imp.example",
        "account_owner": "owner@example.com",
        "industry": "Retail",
        "market_segment": "SMB",
        "contact_mobile": "'+358 50 1",  # a leading + could start a formula
        "contact_fax": "'+358 9 1",
        "contact_keywords": "newsletter, vip",
    }
    with acting_as(SYSTEM):
        bad = import_export.preview([{**rows[0], "account_owner": "ghost@example.com"}])
    assert [(e.field, e.message) for e in bad.errors] == [
        ("account_owner", "Choose an active staff member.")
    ]
    assert db.session.scalar(db.select(db.func.count()).select_from(CustomerAddress)) == 0


def test_history_names_a_profile_change(make_customer, lists, staff_client):
    customer = make_customer("Hist Oy", industry="Retail")
    client, _member = staff_client(["customers.view"])
    html = client.get(f"/admin/customers/{customer.id}?tab=activity").get_data(as_text=True)
    assert "Set the account owner, industry or market segment" in html
    assert "CustomerProfile" not in html
