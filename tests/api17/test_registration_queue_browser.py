"""The registration approval queue in chromium: two sign-ups wait, a staff member approves one;
axe-core finds nothing at desktop and phone widths; screenshots for docs/screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import RegistrationRequest
from portal.models.database import begin_write
from portal.services.platform import settings
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PEOPLE = [
    ("Revontuli Oy", "Aino", "Virtanen", "aino@revontuli.example", "fi"),
    ("Fjord Events AS", "Kari", "Nordmann", "kari@fjord.example", "nb"),
]


@pytest.mark.parametrize(("width", "shot"), [(1280, "desktop"), (390, "phone")])
def test_approval_queue_in_the_browser(
    live_url, browser_page_factory, make_currency, make_staff, width, shot
):
    make_currency("EUR", "€", 2, True)
    begin_write(db.session)
    settings.set_many({"registration_mode": "approval", "company_name": "Nordlys Consulting"})
    db.session.commit()
    visitor = browser_page_factory(width=width)
    for company, first, last, email, language in PEOPLE:
        visitor.set_extra_http_headers({"Accept-Language": language})
        visitor.goto(f"{live_url}/clients/register")
        visitor.fill('input[name="company_name"]', company)
        visitor.fill('input[name="first_name"]', first)
        visitor.fill('input[name="last_name"]', last)
        visitor.fill('input[name="email"]', email)
        with visitor.expect_navigation():
            visitor.click('button.primary[type="submit"]')
    staff = make_staff()
    page = browser_page_factory(width=width)
    page.goto(f"{live_url}/admin/login")
    page.fill('input[name="email"]', staff.email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('button[type="submit"]:has-text("Sign in")')
    page.goto(f"{live_url}/admin/registrations")
    assert page.locator("tbody tr").count() == 2
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"admin-registrations-{shot}.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("tbody tr", has_text="Revontuli Oy").locator(
            "button", has_text="Approve"
        ).click()
    assert "Revontuli Oy was approved" in page.content()
    assert page.locator("tbody tr").count() == 1
    assert axe_violations(page) == []
    db.session.rollback()  # a fresh read, after the live server's commit
    statuses = {
        r.company_name: r.status for r in db.session.scalars(db.select(RegistrationRequest))
    }
    assert statuses == {"Revontuli Oy": "approved", "Fjord Events AS": "pending"}
