"""A staff member created with ``flask staff create`` signs in at /admin/login in chromium."""

from __future__ import annotations

from playwright.sync_api import expect


def test_staff_create_then_browser_login(app, live_url, browser_page):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "staff",
            "create",
            "--email",
            "ada@example.com",
            "--name",
            "Ada Lovelace",
            "--role",
            "Administrator",
            "--password",
            "analytical engine 1843",
        ]
    )
    assert result.exit_code == 0, result.output

    page = browser_page
    page.goto(f"{live_url}/admin/staff")
    expect(page).to_have_url(f"{live_url}/admin/login?next=/admin/staff")
    page.fill('input[name="email"]', "ada@example.com")
    page.fill('input[name="password"]', "wrong password here")
    page.click('button[type="submit"]')
    expect(page.locator(".flash-error")).to_have_text("Email or password is incorrect.")

    page.fill('input[name="email"]', "ada@example.com")
    page.fill('input[name="password"]', "analytical engine 1843")
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{live_url}/admin/staff")
    expect(page.locator("h1")).to_have_text("Staff")
    expect(page.locator("table")).to_contain_text("Ada Lovelace")

    page.click("text=Sign out")
    expect(page).to_have_url(f"{live_url}/admin/login")
    page.goto(f"{live_url}/admin/")
    expect(page).to_have_url(f"{live_url}/admin/login?next=/admin/")
