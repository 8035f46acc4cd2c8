"""``flask registry refresh``: checks customers and writes a report of the differences for
staff; it never changes a customer's data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Customer, RegistryReport
from portal.models.base import utcnow
from tests.registry import recorded
from tests.registry.conftest import Reply


def run(app, *args):
    return app.test_cli_runner().invoke(args=["registry", "refresh", *args])


def test_refresh_one_customer_writes_a_report_and_changes_nothing(app, make_customer, registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(410, recorded.BRREG_DELETED))
    customer = make_customer("Fjordlys", vat_number="NO988077917MVA", billing_country="NO")
    result = run(app, "--customer", str(customer.id))
    assert result.exit_code == 0, result.output
    assert f"{customer.number} Fjordlys: problem" in result.output
    db.session.expire_all()
    stored = db.session.get(Customer, customer.id)
    assert (stored.company_name, stored.is_active) == ("Fjordlys", True)  # never overwritten
    assert stored.vat_valid is False
    report = db.session.scalar(select(RegistryReport))
    assert report.outcome == "problem"
    assert {d["field"] for d in report.differences} >= {"company_name", "is_active"}
    assert {"code": "ceased", "source": "brreg", "date": "2025-08-09"} in report.findings


def test_refresh_all_older_than(app, make_customer, registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(200, recorded.BRREG_ACTIVE))
    registries.reply("POST", "/vies/DE136695976", Reply(200, recorded.VIES_VALID_DE))
    first = make_customer("FJORDLYS AS", vat_number="NO988077917MVA")
    second = make_customer("Berliner GmbH", vat_number="DE136695976")
    make_customer("No Number Ltd")
    inactive = make_customer("Sleeping Oy", vat_number="FI20774740")
    db.session.execute(update(Customer).where(Customer.id == inactive.id).values(is_active=False))
    db.session.commit()
    result = run(app, "--all")
    assert result.exit_code == 0, result.output
    assert "Checked 2 customers" in result.output
    # checked just now: nothing is due
    assert "Checked 0 customers" in run(app, "--all", "--older-than", "7").output
    db.session.execute(
        update(RegistryReport)
        .where(RegistryReport.customer_id == first.id)
        .values(checked_at=utcnow() - timedelta(days=8))
    )
    db.session.commit()
    again = run(app, "--all", "--older-than", "7")
    assert "Checked 1 customers" in again.output and "FJORDLYS AS" in again.output
    assert second.number not in again.output


def test_refresh_needs_a_choice(app, registries):
    assert run(app).exit_code != 0
    assert run(app, "--customer", "1", "--all").exit_code != 0
    assert run(app, "--older-than", "3").exit_code != 0
    assert "No customer #42" in run(app, "--customer", "42").output
