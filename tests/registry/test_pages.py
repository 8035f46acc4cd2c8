"""Update from registry in the admin: the comparison page (customer view), applying the
ticked fields (customers.edit, through the customer service, audited), the look-up in the full
create form, the VAT mark on the card, the list of checks that need a look - and who must not
see them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Customer, RegistryReport
from tests.registry import recorded
from tests.registry.conftest import Reply

VIEW = ["customers.view"]
EDIT = ["customers.view", "customers.edit"]
PRH_FI = "/prh/companies?businessId=2077474-0"


@pytest.fixture
def revontuli(make_customer, registries):
    registries.reply("POST", "/vies/FI20774740", Reply(200, recorded.VIES_VALID))
    registries.reply("GET", PRH_FI, Reply(200, recorded.PRH_TWO_ADDRESSES))
    return make_customer(
        "Revontuli Oy",
        vat_number="FI20774740",
        billing_street="Old Street 1",
        billing_zip="00100",
        billing_city="Helsinki",
        billing_country="FI",
    )


def test_comparison_shows_ours_and_the_registrys_with_a_checkbox_per_difference(
    staff_client, revontuli
):
    client, _ = staff_client(EDIT)
    html = client.get(f"/admin/customers/{revontuli.id}/registry").get_data(as_text=True)
    assert "Revontuli Oy" in html and "Revontuli Software Oy" in html
    for name in ("company_name", "billing_street", "billing_zip", "billing_city", "website"):
        assert f'name="fields" value="{name}"' in html, name
    assert "PL 226" in html and "Karakaari 7" in html  # postal and street address
    assert 'value="billing_country"' not in html  # FI on both sides: no checkbox
    assert "the VAT number is valid" in html
    assert "62010 Computer programming activities" in html
    card = client.get(f"/admin/customers/{revontuli.id}").get_data(as_text=True)
    assert "VAT checked on" in card and ": valid" in card
    assert "fields differ" in card


def test_applying_writes_only_the_ticked_fields_through_the_service(
    staff_client, revontuli, registries
):
    client, member = staff_client(EDIT)
    client.get(f"/admin/customers/{revontuli.id}/registry")
    asked = len(registries.calls)
    response = client.post(
        f"/admin/customers/{revontuli.id}/registry",
        data={"fields": ["company_name", "billing_street", "not_a_field"]},
    )
    assert response.status_code == 302
    assert len(registries.calls) == asked  # applying asks no registry
    db.session.expire_all()
    customer = db.session.get(Customer, revontuli.id)
    assert (customer.company_name, customer.billing_street) == ("Revontuli Software Oy", "PL 226")
    assert (customer.billing_zip, customer.billing_city) == ("00100", "Helsinki")  # not ticked
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "Customer", AuditLog.action == "update")
    ).all()
    assert audit[-1].actor == f"staff:{member.id}"
    assert set(audit[-1].changes) >= {"company_name", "billing_street"}
    assert "billing_city" not in audit[-1].changes
    report = db.session.scalar(select(RegistryReport))
    assert "company_name" not in {d["field"] for d in report.differences}


def test_nothing_ticked_changes_nothing(staff_client, revontuli):
    client, _ = staff_client(EDIT)
    client.get(f"/admin/customers/{revontuli.id}/registry")
    response = client.post(
        f"/admin/customers/{revontuli.id}/registry", data={}, follow_redirects=True
    )
    assert "Tick at least one field" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, revontuli.id).company_name == "Revontuli Oy"


def test_an_answer_older_than_a_day_is_not_applied(staff_client, revontuli):
    from sqlalchemy import update

    from portal.models import RegistryAnswer
    from portal.models.base import utcnow

    client, _ = staff_client(EDIT)
    client.get(f"/admin/customers/{revontuli.id}/registry")
    db.session.execute(update(RegistryAnswer).values(fetched_at=utcnow().replace(year=2020)))
    db.session.commit()
    response = client.post(
        f"/admin/customers/{revontuli.id}/registry",
        data={"fields": ["company_name"]},
        follow_redirects=True,
    )
    assert "older than a day" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, revontuli.id).company_name == "Revontuli Oy"
    _ = utcnow


def test_a_dissolved_norwegian_company_can_be_made_inactive(
    staff_client, make_customer, registries
):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(410, recorded.BRREG_DELETED))
    customer = make_customer(
        "Fjordlys AS", vat_number="NO988077917MVA", business_id="988077917", billing_country="NO"
    )
    client, _ = staff_client(EDIT)
    html = client.get(f"/admin/customers/{customer.id}/registry").get_data(as_text=True)
    assert "The company has ceased (2025-08-09)." in html
    assert 'name="fields" value="is_active"' in html
    client.post(f"/admin/customers/{customer.id}/registry", data={"fields": ["is_active"]})
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).is_active is False
    card = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert "VAT checked on" in card and "not valid" in card


def test_a_timeout_answers_in_bounded_time_with_the_message(staff_client, revontuli, registries):
    registries.reply("GET", PRH_FI, Reply(200, recorded.PRH_TWO_ADDRESSES, delay=6))
    client, _ = staff_client(EDIT)
    started = time.monotonic()
    response = client.get(f"/admin/customers/{revontuli.id}/registry")
    elapsed = time.monotonic() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert elapsed < 3.5  # timeout 1 s: the page never waits for the slow registry
    assert "Finnish Patent and Registration Office (PRH) did not answer in time" in html
    assert "Nothing was changed" in html
    db.session.expire_all()
    assert db.session.get(Customer, revontuli.id).company_name == "Revontuli Oy"


def test_a_500_gives_the_message_after_bounded_retries(staff_client, revontuli, registries):
    registries.reply("POST", "/vies/FI20774740", Reply(500, {"error": "down"}))
    client, _ = staff_client(EDIT)
    html = client.get(f"/admin/customers/{revontuli.id}/registry").get_data(as_text=True)
    assert "VIES (EU VAT numbers) did not answer in time" in html
    assert len(registries.calls_to("/vies")) == 3
    card = client.get(f"/admin/customers/{revontuli.id}").get_data(as_text=True)
    assert "VAT checked on" not in card  # no verdict, no mark
    assert "a registry did not answer" in card


# -- the full create form ------------------------------------------------------------------------


def test_create_form_looks_up_and_takes_the_ticked_values(staff_client, eur, registries):
    registries.reply("POST", "/vies/FI20774740", Reply(200, recorded.VIES_VALID))
    registries.reply("GET", PRH_FI, Reply(200, recorded.PRH_TWO_ADDRESSES))
    client, _ = staff_client(["customers.view", "customers.create"])
    form = {
        "company_name": "",
        "vat_number": "FI 2077474-0",
        "currency": "EUR",
        "language": "",
        "tax_class_id": "",
    }
    html = client.post("/admin/customers/new", data={**form, "registry_lookup": "1"}).get_data(
        as_text=True
    )
    assert 'name="take" value="company_name"' in html and "Revontuli Software Oy" in html
    html = client.post(
        "/admin/customers/new",
        data={**form, "registry_take": "1", "take": ["company_name", "billing_city"]},
    ).get_data(as_text=True)
    assert 'value="Revontuli Software Oy"' in html and 'value="ESPOO"' in html
    assert db.session.scalar(select(Customer.id)) is None  # nothing saved yet
    saved = client.post(
        "/admin/customers/new",
        data={**form, "company_name": "Revontuli Software Oy", "billing_city": "ESPOO"},
    )
    assert saved.status_code == 302
    assert db.session.scalar(select(Customer.vat_number)) == "FI20774740"


def test_a_wrong_check_digit_is_a_field_error_before_any_network_call(
    staff_client, eur, registries
):
    client, _ = staff_client(["customers.view", "customers.create"])
    html = client.post(
        "/admin/customers/new",
        data={
            "company_name": "Typo",
            "vat_number": "FI20774741",
            "currency": "EUR",
            "language": "",
            "tax_class_id": "",
            "registry_lookup": "1",
        },
    ).get_data(as_text=True)
    assert "The check digit of this VAT number is wrong." in html
    assert registries.calls == []
    saved = client.post(
        "/admin/customers/new",
        data={
            "company_name": "Typo",
            "business_id": "2077474-1",
            "billing_country": "FI",
            "currency": "EUR",
            "language": "",
            "tax_class_id": "",
        },
    ).get_data(as_text=True)
    assert "The check digit of this business id is wrong." in saved
    assert registries.calls == [] and db.session.scalar(select(Customer.id)) is None


# -- the list and who must not see it ------------------------------------------------------------


def test_the_list_shows_checks_that_need_a_look(staff_client, revontuli):
    client, _ = staff_client(EDIT)
    client.get(f"/admin/customers/{revontuli.id}/registry")
    html = client.get("/admin/customers/registry-reports").get_data(as_text=True)
    assert "Revontuli Oy" in html and "Company name" in html


def test_who_must_not_see_it(
    app, client, staff_client, revontuli, make_customer, make_contact, login_contact
):
    path = f"/admin/customers/{revontuli.id}/registry"
    assert client.get(path).status_code == 302  # anonymous: to the sign-in page
    assert client.post(path, data={"fields": ["company_name"]}).status_code == 302
    login_contact(make_contact(revontuli))
    assert client.get(path).headers["Location"].startswith("/admin/login")

    nobody, _ = staff_client(["invoices.view"])
    assert nobody.get(path).status_code == 403
    assert nobody.get("/admin/customers/registry-reports").status_code == 403

    viewer, _ = staff_client(VIEW)
    html = viewer.get(path).get_data(as_text=True)
    assert "Revontuli Software Oy" in html and 'name="fields"' not in html  # read only
    assert viewer.post(path, data={"fields": ["company_name"]}).status_code == 403

    own, member = staff_client(["customers.view_own", "customers.edit"])
    assert own.get(path).status_code == 404
    assert own.post(path, data={"fields": ["company_name"]}).status_code == 404
    assert "Revontuli" not in own.get("/admin/customers/registry-reports").get_data(as_text=True)
    mine = make_customer("Mine Oy")
    db.session.get(Customer, mine.id).admins.append(member)
    db.session.commit()
    assert own.get(f"/admin/customers/{mine.id}/registry").status_code == 200
    db.session.expire_all()
    assert db.session.get(Customer, revontuli.id).company_name == "Revontuli Oy"
