"""The commands of SPEC section 5 that exist so far, run with Flask's CLI runner."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.cli import seed_demo, staff_create
from portal.extensions import db
from portal.models import (
    AuditLog,
    Contact,
    Currency,
    Customer,
    CustomerGroup,
    Estimate,
    Invoice,
    Staff,
    Ticket,
)
from portal.services.platform import demo


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_create_then_login(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        staff_create,
        [
            "--email",
            "Boss@Example.com",
            "--name",
            "Boss",
            "--role",
            "Administrator",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "boss@example.com" in result.output
    staff = db.session.scalar(select(Staff))
    assert staff.email == "boss@example.com" and staff.is_administrator
    assert staff.password_hash.startswith("$argon2id$")
    response = client.post(
        "/admin/login", data={"email": "boss@example.com", "password": "a long enough password"}
    )
    assert response.status_code == 302 and response.location.endswith("/admin/")


def test_staff_create_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        staff_create,
        ["--email", "p@example.com", "--name", "P", "--role", "Administrator"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Staff.email)) == "p@example.com"


def test_staff_create_refuses_bad_input_and_writes_nothing(app):
    runner = app.test_cli_runner()
    short = runner.invoke(
        staff_create,
        [
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "Administrator",
            "--password",
            "short",
        ],
    )
    assert short.exit_code != 0 and "10 characters" in short.output
    unknown = runner.invoke(
        staff_create,
        [
            "--email",
            "y@example.com",
            "--name",
            "Y",
            "--role",
            "Nope",
            "--password",
            "a long enough password",
        ],
    )
    assert unknown.exit_code != 0 and "Unknown role" in unknown.output
    bad_email = runner.invoke(
        staff_create,
        [
            "--email",
            "not-an-email",
            "--name",
            "Z",
            "--role",
            "Administrator",
            "--password",
            "long enough pw!",
        ],
    )
    assert bad_email.exit_code != 0 and "email" in bad_email.output
    db.session.rollback()
    assert _count(Staff) == 0


def test_seed_demo_loads_the_company_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(seed_demo)
    assert first.exit_code == 0, first.output
    assert demo.ADMIN_EMAIL in first.output and demo.CONTACT_EMAIL in first.output
    counts = {
        m: _count(m)
        for m in (Staff, Customer, Contact, Invoice, Estimate, Ticket, CustomerGroup, Currency)
    }
    assert counts[CustomerGroup] == 3
    assert sorted(db.session.scalars(select(Currency.code))) == ["EUR", "GBP", "USD"]
    assert db.session.scalar(select(Currency.code).where(Currency.is_default)) == "EUR"
    assert len(set(db.session.scalars(select(Contact.language)))) >= 5
    assert counts[Invoice] > 0 and counts[Estimate] > 0 and counts[Ticket] > 0
    numbers = sorted(n for n in db.session.scalars(select(Invoice.number)) if n)
    assert numbers == [f"INV-{i:06d}" for i in range(1, len(numbers) + 1)]
    assert _count(AuditLog) > 0

    second = runner.invoke(seed_demo)
    assert second.exit_code == 0 and "already present" in second.output
    assert {m: _count(m) for m in counts} == counts

    login = client.post(
        "/clients/login", data={"email": demo.CONTACT_EMAIL, "password": demo.CONTACT_PASSWORD}
    )
    assert login.status_code == 302


def test_seed_demo_bulk_grows_to_the_target_and_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(seed_demo, ["--customers", "30"])
    assert result.exit_code == 0, result.output
    assert _count(Customer) == 30
    assert _count(Contact) == 8 * 2 + 22 * 2
    again = runner.invoke(seed_demo, ["--customers", "30"])
    assert again.exit_code == 0
    assert _count(Customer) == 30
    numbers = sorted(db.session.scalars(select(Customer.number)))
    assert numbers == [f"C-{i:06d}" for i in range(1, 31)]
    invoice_numbers = sorted(n for n in db.session.scalars(select(Invoice.number)) if n)
    assert invoice_numbers == [f"INV-{i:06d}" for i in range(1, len(invoice_numbers) + 1)]
    assert (
        db.session.scalar(select(func.count()).select_from(Contact).where(Contact.is_primary)) == 30
    )
