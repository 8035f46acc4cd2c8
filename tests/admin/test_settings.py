"""The settings page: company details, logo upload with validation, prefixes, registration,
default language."""

from __future__ import annotations

import io

from PIL import Image

from portal.services.platform import settings

VALID = {
    "company_name": "Acme Services Oy",
    "company_address": "Main street 1\n00100 Helsinki",
    "company_vat_number": "FI12345678",
    "company_email": "billing@acme.example",
    "company_phone": "+358 40 123",
    "invoice_prefix": "AC-",
    "estimate_prefix": "Q-",
    "credit_note_prefix": "HY-",
    "customer_prefix": "AS-",
    "registration_enabled": "y",
    "default_language": "fi",
}


def _png(size=(20, 10), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, fmt)
    return buffer.getvalue()


def test_settings_are_saved(staff_client):
    client, _me = staff_client(["settings.view", "settings.edit"])
    response = client.post("/admin/settings", data=VALID)
    assert response.status_code == 302
    values = settings.get_all()
    assert values["company_name"] == "Acme Services Oy"
    assert (values["invoice_prefix"], values["estimate_prefix"]) == ("AC-", "Q-")
    # every number series has its prefix on the page (issue 21)
    assert (values["credit_note_prefix"], values["customer_prefix"]) == ("HY-", "AS-")
    assert values["registration_enabled"] is True and values["default_language"] == "fi"
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="Acme Services Oy"' in page


def test_unchecked_boxes_turn_off(staff_client):
    client, _me = staff_client(["settings.view", "settings.edit"])
    client.post("/admin/settings", data=VALID)
    client.post(
        "/admin/settings", data={k: v for k, v in VALID.items() if k != "registration_enabled"}
    )
    assert settings.get("registration_enabled") is False


def test_bad_input_shows_errors_and_writes_nothing(staff_client):
    client, _me = staff_client(["settings.view", "settings.edit"])
    bad = {
        **VALID,
        "invoice_prefix": "bad prefix!",
        "company_email": "not-an-email",
        "company_name": "",
    }
    response = client.post("/admin/settings", data=bad)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="invoice_prefix-error"' in body and 'id="company_email-error"' in body
    assert 'id="company_name-error"' in body
    assert settings.get("invoice_prefix") == "INV-"


def test_logo_upload_and_serving(staff_client):
    client, _me = staff_client(["settings.view", "settings.edit"])
    data = {**VALID, "logo": (io.BytesIO(_png()), "logo.png")}
    response = client.post("/admin/settings", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    path = settings.get("logo_path")
    assert path.startswith("logos/") and path.endswith(".png")
    logo = client.get("/admin/settings/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert logo.data == _png()
    client.post("/admin/settings", data={**VALID, "remove_logo": "y"})
    assert settings.get("logo_path") is None
    assert client.get("/admin/settings/logo").status_code == 404


def test_logo_validation(staff_client):
    client, _me = staff_client(["settings.view", "settings.edit"])
    cases = [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg"),
        (b"GIF89a not really an image", "x.gif"),
        (b"#!/bin/sh\necho", "x.png"),
        (_png(fmt="BMP"), "x.png"),
        (_png(size=(5000, 10)), "big.png"),
    ]
    for content, name in cases:
        data = {**VALID, "logo": (io.BytesIO(content), name)}
        response = client.post("/admin/settings", data=data, content_type="multipart/form-data")
        assert response.status_code == 422, name
        assert 'id="logo-error"' in response.get_data(as_text=True), name
    assert settings.get("logo_path") is None
    assert settings.get("company_name") != VALID["company_name"]


def test_view_only_member_sees_a_disabled_form(staff_client):
    client, _me = staff_client(["settings.view"])
    body = client.get("/admin/settings").get_data(as_text=True)
    assert "disabled" in body and 'type="submit" class="primary"' not in body
    assert client.post("/admin/settings", data=VALID).status_code == 403


def test_every_number_series_takes_its_prefix_from_the_settings(
    staff_client, make_customer, make_invoice
):
    from portal.extensions import db
    from portal.models.database import begin_write
    from portal.services import billing
    from portal.services.platform.audit import SYSTEM, acting_as

    client, _me = staff_client(["settings.view", "settings.edit"])
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="credit_note_prefix"' in page and 'name="customer_prefix"' in page
    assert client.post("/admin/settings", data=VALID).status_code == 302
    customer = make_customer("Prefix Oy")
    assert customer.number.startswith("AS-")
    invoice = make_invoice(customer, issue=True)
    assert invoice.number.startswith("AC-")
    begin_write(db.session)
    with acting_as(SYSTEM):
        note = billing.create_credit_note(db.session.merge(invoice))
        billing.issue_invoice(note)
        db.session.commit()
    assert note.number.startswith("HY-")
    bad = client.post("/admin/settings", data={**VALID, "customer_prefix": "no spaces"})
    assert bad.status_code == 422 and 'id="customer_prefix-error"' in bad.get_data(as_text=True)
    assert settings.get("customer_prefix") == "AS-"
