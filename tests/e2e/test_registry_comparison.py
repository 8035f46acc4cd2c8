"""The registry comparison in the browser: a staff member ticks two fields and takes them;
the page passes axe-core at desktop and phone widths; screenshots for docs/screenshots."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Customer
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations
from tests.registry import recorded
from tests.registry.conftest import FakeRegistries, Reply

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def live_registries(live_app):
    fake = FakeRegistries()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    saved = {k: v for k, v in live_app.config.items() if k.startswith("REGISTRY_")}
    live_app.config.update(
        REGISTRY_VIES_URL=f"{url}/vies",
        REGISTRY_PRH_URL=f"{url}/prh",
        REGISTRY_BRREG_URL=f"{url}/brreg",
        REGISTRY_TIMEOUT=2,
    )
    yield fake
    live_app.config.update(saved)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.mark.parametrize(("width", "shot"), [(1280, "desktop"), (390, "phone")])
def test_comparison_page(
    live_url, live_registries, browser_page_factory, make_staff, make_customer, width, shot
):
    live_registries.reply("POST", "/vies/FI20774740", Reply(200, recorded.VIES_VALID))
    live_registries.reply(
        "GET", "/prh/companies?businessId=2077474-0", Reply(200, recorded.PRH_TWO_ADDRESSES)
    )
    customer = make_customer(
        "Revontuli Oy",
        vat_number="FI20774740",
        billing_street="Vanha katu 3",
        billing_zip="00100",
        billing_city="Helsinki",
        billing_country="FI",
        website="revontuli.example",
    )
    staff = make_staff()
    page = browser_page_factory(width=width)
    page.goto(f"{live_url}/admin/login")
    page.fill('input[name="email"]', staff.email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('button[type="submit"]:has-text("Sign in")')
    page.goto(f"{live_url}/admin/customers/{customer.id}")
    with page.expect_navigation():
        page.click("a:has-text('Update from registry')")
    assert page.locator("table.registry-comparison tr.differs").count() >= 4
    assert axe_violations(page) == []
    page.check("#fields-company_name")
    page.check("#fields-billing_street")
    page.screenshot(path=str(SCREENSHOTS / f"registry-comparison-{shot}.png"), full_page=True)
    if shot == "desktop":
        page.screenshot(path=str(SCREENSHOTS / "registry-comparison.png"), full_page=True)
    with page.expect_navigation():
        page.click("button:has-text('Take the ticked fields')")
    assert "2 fields were taken from the registry." in page.content()
    assert "VAT checked on" in page.content()
    assert axe_violations(page) == []
    db.session.rollback()  # a fresh read, after the live server's commit
    stored = db.session.get(Customer, customer.id)
    assert (stored.company_name, stored.billing_street, stored.billing_city) == (
        "Revontuli Software Oy",
        "PL 226",
        "Helsinki",
    )
