"""static/js/lines.js in chromium: rows are added and removed in place, each row shows its net
amount and the running totals follow, taxes per rate; the saved draft's server totals agree."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice
from portal.models.database import begin_write
from portal.services.customers import reference
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD


def test_lines_are_added_removed_and_totalled_in_the_browser(
    live_url, browser_page, make_customer, make_staff
):
    customer = make_customer("Lines Oy")
    begin_write(db.session)
    with acting_as(SYSTEM):
        reference.save_tax_rate(None, {"name": "Exempt", "percent": "0"})
        reference.save_tax_rate(None, {"name": "VAT", "percent": "24"})
        db.session.commit()
    staff = make_staff()

    page = browser_page
    page.goto(f"{live_url}/admin/login")
    page.fill('input[name="email"]', staff.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.goto(f"{live_url}/admin/customers/{customer.id}/invoices/new")
    form_url = page.url

    rows = page.locator("[data-line]")
    blank = rows.count()  # a new draft starts with a few empty rows (ignored in the totals)
    first = rows.nth(0)
    first.locator("[name$='-description']").fill("Design")
    first.locator("[name$='-quantity']").fill("2")
    first.locator("[name$='-unit_price']").fill("50.50")
    first.locator("[name$='-discount']").fill("10")
    expect(first.locator("[data-line-net]")).to_have_text("€90.90")
    expect(page.locator("[data-tax]")).to_have_text("€0.00")  # the first rate (0 %) preselected
    expect(page.locator("[data-total]")).to_have_text("€90.90")

    page.click("[data-add-line]")  # in place: no round trip to the server
    expect(rows).to_have_count(blank + 1)
    assert page.url == form_url
    second = rows.nth(blank)
    expect(second.locator("[name$='-description']")).to_have_attribute(
        "name", f"lines-{blank}-description"
    )
    second.locator("[name$='-description']").fill("Hosting")
    second.locator("[name$='-unit_price']").fill("10")
    second.locator("[name$='-tax']").select_option(label="24% · VAT")  # English writes 24%
    expect(second.locator("[data-line-net]")).to_have_text("€10.00")
    expect(page.locator("[data-subtotal]")).to_have_text("€100.90")
    expect(page.locator("[data-tax]")).to_have_text("€2.40")
    expect(page.locator("[data-total]")).to_have_text("€103.30")

    first.locator("[data-remove-line]").click()
    expect(rows).to_have_count(blank)
    expect(page.locator("[data-tax]")).to_have_text("€2.40")
    expect(page.locator("[data-total]")).to_have_text("€12.40")

    page.click('button[name="save"]')
    expect(page.locator(".flash")).to_have_count(1)
    assert page.url != form_url, page.locator(".field-error").all_inner_texts()
    db.session.rollback()  # a fresh snapshot: the server committed on its own connection
    invoice = db.session.scalar(select(Invoice).where(Invoice.customer_id == customer.id))
    assert [line.description for line in invoice.lines] == ["Hosting"]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("10.00"),
        Decimal("2.40"),
        Decimal("12.40"),
    )
