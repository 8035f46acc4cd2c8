"""Billing services: drafts with field errors and optimistic locking, the invoice status
machine, payments, cancelling, credit notes (CN- series), duplicates, estimates, recurring
invoices, reminders and statements."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.models import (
    Estimate,
    Invoice,
    InvoiceLine,
    OutboxEmail,
    Payment,
    TaxClass,
    TaxRate,
)
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import estimates, payments, recurring, statements
from portal.services.billing.drafts import save_estimate_draft, save_invoice_draft
from portal.services.billing.totals import compute_totals
from portal.services.errors import ConflictError, ValidationError
from portal.services.platform import settings
from portal.services.platform.audit import SYSTEM, acting_as

LINE = {"description": "Consulting", "quantity": "2", "unit_price": "100.00", "tax_rate": "24"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def customer(make_customer):
    return make_customer("Nordlicht GmbH", invoice_fields=["PO number", "Cost centre"])


@pytest.fixture
def save(write):
    """Saves a draft in its own write transaction and commits, as a POST request would."""

    def run(invoice, data, expected_version=None):
        write()
        with acting_as(SYSTEM):
            result = save_invoice_draft(invoice, data, expected_version)
            db.session.commit()
        return result

    return run


@pytest.fixture
def act(write):
    """Runs ``fn(*args)`` in a write transaction and commits (rolls back on error)."""

    def run(fn, *args, **kwargs):
        write()
        with acting_as(SYSTEM):
            try:
                result = fn(*args, **kwargs)
            except Exception:
                db.session.rollback()
                raise
            db.session.commit()
        return result

    return run


def new_invoice(save, customer, lines=None, **data):
    return save(None, {"customer_id": customer.id, "lines": lines or [LINE], **data})


# -- totals -----------------------------------------------------------------------------------


def test_totals_are_computed_on_the_server(save, customer):
    invoice = new_invoice(
        save,
        customer,
        lines=[
            {
                "description": "A",
                "quantity": "3",
                "unit_price": "19.99",
                "tax_rate": "24",
                "discount": "10",
            },
            {"description": "B", "quantity": "1.5", "unit_price": "10.01", "tax_rate": "10"},
            {"description": "C", "quantity": "1", "unit_price": "0.05", "tax_rate": "24"},
        ],
        total="1.00",
    )
    # A: 59.97 - 10 % = 53.973 -> 53.97; B: 15.015 -> 15.02 (half up); C: 0.05
    assert [line.net_amount for line in invoice.lines] == [
        Decimal("53.97"),
        Decimal("15.02"),
        Decimal("0.05"),
    ]
    assert invoice.subtotal == Decimal("69.04")
    # 24 % of 54.02 = 12.9648 -> 12.96; 10 % of 15.02 = 1.502 -> 1.50
    assert invoice.tax_total == Decimal("14.46")
    assert invoice.total == Decimal("83.50")
    assert compute_totals(invoice.lines, 2).taxes == {
        Decimal("10"): (Decimal("15.02"), Decimal("1.50")),
        Decimal("24"): (Decimal("54.02"), Decimal("12.96")),
    }


def test_jpy_totals_have_no_decimals(save, make_customer):
    customer = make_customer(currency="JPY")
    invoice = new_invoice(
        save,
        customer,
        lines=[
            {"description": "Setup", "quantity": "3", "unit_price": "333.5", "tax_rate": "10"},
            {
                "description": "Hours",
                "quantity": "1",
                "unit_price": "1001",
                "tax_rate": "10",
                "discount": "5",
            },
        ],
    )
    # 1000.5 -> 1001; 1001 - 50.05 = 950.95 -> 951; tax 10 % of 1952 = 195.2 -> 195
    assert [line.net_amount for line in invoice.lines] == [Decimal("1001"), Decimal("951")]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("1952"),
        Decimal("195"),
        Decimal("2147"),
    )
    assert invoice.currency.code == "JPY"


def test_tax_rate_id_and_the_customer_default_rate_are_snapshotted(save, write, make_customer):
    write()
    with acting_as(SYSTEM):
        standard = TaxRate(name="Standard", percent=Decimal("19"))
        reduced = TaxRate(name="Reduced", percent=Decimal("7"))
        db.session.add_all([standard, reduced, TaxClass(name="DE", default_tax_rate=standard)])
        db.session.commit()
    customer = make_customer(tax_class_id=db.session.scalar(select(TaxClass.id)))
    invoice = new_invoice(
        save,
        customer,
        lines=[
            {"description": "Book", "quantity": "1", "unit_price": "10", "tax_rate_id": reduced.id},
            {"description": "Service", "quantity": "1", "unit_price": "100"},
        ],
    )
    assert [(line.tax_percent, line.tax_rate_id) for line in invoice.lines] == [
        (Decimal("7"), reduced.id),
        (Decimal("19"), standard.id),
    ]
    write()
    reduced.percent = Decimal("5")
    db.session.commit()
    assert invoice.lines[0].tax_percent == Decimal("7")


# -- drafts: validation, custom fields, locking -----------------------------------------------


def test_bad_input_names_each_field_and_writes_nothing(save, customer):
    with pytest.raises(ValidationError) as caught:
        new_invoice(
            save,
            customer,
            lines=[
                {"description": "", "quantity": "0", "unit_price": "abc", "tax_rate": "120"},
                {
                    "description": "ok",
                    "quantity": "1.23456",
                    "unit_price": "-1",
                    "tax_rate": "x",
                    "discount": "101",
                },
                {"description": "ok", "quantity": "1", "unit_price": "1", "tax_rate_id": "999"},
            ],
            due_date="not a date",
            custom_fields={"Unknown": "x", "PO number": "y" * 300},
        )
    assert set(caught.value.fields) == {
        "lines-0-description",
        "lines-0-quantity",
        "lines-0-unit_price",
        "lines-0-tax_rate",
        "lines-1-quantity",
        "lines-1-unit_price",
        "lines-1-tax_rate",
        "lines-1-discount",
        "lines-2-tax_rate_id",
        "due_date",
        "custom_fields",
        "custom_fields-0",
    }
    db.session.rollback()
    assert _count(Invoice) == 0 and _count(InvoiceLine) == 0


def test_unknown_or_missing_customer_and_due_before_issue(save, customer):
    for bad in (999, "99999999999999999999", "²", None, True):
        with pytest.raises(ValidationError) as caught:
            save(None, {"customer_id": bad, "lines": [LINE]})
        assert "customer_id" in caught.value.fields
        db.session.rollback()
    with pytest.raises(ValidationError) as caught:
        new_invoice(save, customer, issue_date="2025-03-10", due_date="2025-03-01")
    assert set(caught.value.fields) == {"due_date"}


def test_custom_fields_are_the_customers_labels_only(save, customer):
    invoice = new_invoice(
        save,
        customer,
        custom_fields={"PO number": " PO-77 ", "Cost centre": ""},
        notes="Thanks",
        terms="14 days net",
    )
    assert invoice.custom_fields == {"PO number": "PO-77"}
    assert (invoice.notes, invoice.terms) == ("Thanks", "14 days net")


def test_editing_a_draft_replaces_lines_and_bumps_the_version(save, customer):
    invoice = new_invoice(save, customer)
    version = invoice.version
    save(invoice, {"lines": [{**LINE, "quantity": "5"}]}, expected_version=version)
    assert invoice.version == version + 1
    assert [line.quantity for line in invoice.lines] == [Decimal("5")]
    assert invoice.total == Decimal("620.00")
    assert _count(InvoiceLine) == 1
    save(invoice, {"notes": "Only notes"}, expected_version=str(invoice.version))
    assert invoice.notes == "Only notes" and invoice.total == Decimal("620.00")


def test_second_save_with_a_stale_version_is_a_conflict(app, save, customer):
    """Two people open the same draft (version 1); the first save wins, the second gets a
    clear conflict and nothing of it is written."""
    invoice = new_invoice(save, customer)
    seen_by_both = invoice.version
    other = Session(bind=db.engine)
    try:
        begin_write(other)
        with acting_as(SYSTEM):
            theirs = other.get(Invoice, invoice.id)
            assert theirs.version == seen_by_both
            theirs.notes = "First save"
            other.commit()
    finally:
        other.close()
    db.session.expire_all()
    with pytest.raises(ConflictError) as caught:
        save(invoice, {"notes": "Second save"}, expected_version=seen_by_both)
    assert caught.value.code == "version_conflict"
    assert "Someone else saved this document" in caught.value.message
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).notes == "First save"


def test_stale_data_at_flush_becomes_the_same_conflict(save, write, customer):
    invoice = new_invoice(save, customer)
    save(invoice, {"notes": "v2"})
    write()
    # Our copy still believes the row is at the older version (another writer got there first).
    set_committed_value(invoice, "version", invoice.version - 1)
    with acting_as(SYSTEM), pytest.raises(ConflictError) as caught:
        save_invoice_draft(invoice, {"notes": "lost update"})
    assert caught.value.code == "version_conflict"
    db.session.rollback()


def test_an_issued_invoice_is_locked(save, act, customer):
    invoice = new_invoice(save, customer)
    act(billing.issue_invoice, invoice)
    with pytest.raises(ConflictError) as caught:
        save(invoice, {"lines": [{**LINE, "unit_price": "1"}]}, expected_version=invoice.version)
    assert caught.value.code == "invoice_locked"
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).total == Decimal("248.00")


# -- status machine, payments, cancelling -----------------------------------------------------


def test_status_machine_through_payments(save, act, customer):
    invoice = new_invoice(save, customer)
    assert invoice.status == "draft" and invoice.number is None
    with pytest.raises(ConflictError):
        act(payments.record_payment, invoice, "10", date(2025, 1, 2))
    act(billing.issue_invoice, invoice, date(2025, 1, 1))
    assert (invoice.status, invoice.number, invoice.amount_due) == (
        "unpaid",
        "INV-000001",
        Decimal("248.00"),
    )
    assert invoice.due_date == date(2025, 1, 15)
    assert invoice.billing_address["company_name"] == "Nordlicht GmbH"
    with pytest.raises(ConflictError):
        act(billing.issue_invoice, invoice)
    act(payments.record_payment, invoice, "48.00", date(2025, 1, 5), "bank", "T-1")
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
        "partially_paid",
        Decimal("48.00"),
        Decimal("200.00"),
    )
    for bad in ("0", "-5", "200.01", "1.001", "abc"):
        with pytest.raises(ValidationError) as caught:
            act(payments.record_payment, invoice, bad, date(2025, 1, 6))
        assert set(caught.value.fields) == {"amount"}, bad
    with pytest.raises(ValidationError) as caught:
        act(payments.record_payment, invoice, "1", date(2025, 1, 6), currency="USD")
    assert set(caught.value.fields) == {"currency"}
    with pytest.raises(ValidationError) as caught:
        act(payments.record_payment, invoice, "1", date.today() + timedelta(days=1))
    assert set(caught.value.fields) == {"paid_at"}
    payment = act(payments.record_payment, invoice, "200", "2025-01-20", currency="EUR")
    assert payment.currency_id == invoice.currency_id and payment.paid_at == date(2025, 1, 20)
    assert (invoice.status, invoice.amount_due) == ("paid", Decimal("0.00"))
    with pytest.raises(ConflictError):
        act(payments.record_payment, invoice, "1", date(2025, 1, 21))
    assert _count(Payment) == 2


def test_jpy_payment_refuses_decimals(save, act, make_customer):
    invoice = new_invoice(
        save,
        make_customer(currency="JPY"),
        lines=[{"description": "x", "quantity": "1", "unit_price": "1000", "tax_rate": "10"}],
    )
    act(billing.issue_invoice, invoice)
    with pytest.raises(ValidationError):
        act(payments.record_payment, invoice, "10.5", date(2025, 1, 1))
    act(payments.record_payment, invoice, "1100", date(2025, 1, 1))
    assert invoice.status == "paid"


def test_cancel_keeps_the_number_and_the_series_stays_gapless(save, act, customer):
    first = new_invoice(save, customer)
    act(billing.issue_invoice, first)
    with pytest.raises(ConflictError):
        act(billing.cancel_invoice, new_invoice(save, customer))  # a draft: delete it instead
    act(billing.cancel_invoice, first)
    assert (first.status, first.number, first.amount_due) == ("cancelled", "INV-000001", 0)
    with pytest.raises(ConflictError):
        act(billing.cancel_invoice, first)
    with pytest.raises(ConflictError):
        act(payments.record_payment, first, "1", date(2025, 1, 1))
    second = new_invoice(save, customer)
    act(billing.issue_invoice, second)
    assert second.number == "INV-000002"


def test_cancel_is_refused_with_payments_or_when_paid(save, act, customer):
    invoice = new_invoice(save, customer)
    act(billing.issue_invoice, invoice)
    act(payments.record_payment, invoice, "1", date(2025, 1, 1))
    with pytest.raises(ConflictError) as caught:
        act(billing.cancel_invoice, invoice)
    assert caught.value.code == "invoice_has_payments"
    act(payments.record_payment, invoice, invoice.amount_due, date(2025, 1, 2))
    with pytest.raises(ConflictError):
        act(billing.cancel_invoice, invoice)
    assert db.session.get(Invoice, invoice.id).status == "paid"


def test_a_rolled_back_issue_gives_its_number_back(save, write, act, customer):
    invoice = new_invoice(save, customer)
    write()
    with acting_as(SYSTEM):
        billing.issue_invoice(invoice)
        assert invoice.number == "INV-000001"
        db.session.rollback()
    other = new_invoice(save, customer)
    act(billing.issue_invoice, other)
    assert other.number == "INV-000001"


# -- credit notes -----------------------------------------------------------------------------


def test_full_credit_note_has_its_own_series_and_settles_the_invoice(save, act, customer):
    invoice = new_invoice(save, customer)
    act(billing.issue_invoice, invoice)
    note = act(billing.create_credit_note, invoice)
    assert (note.kind, note.status, note.credited_invoice_id) == (
        "credit_note",
        "draft",
        invoice.id,
    )
    assert note.total == invoice.total
    act(billing.issue_invoice, note)
    assert note.number == "CN-000001" and note.status == "paid"
    assert (invoice.status, invoice.amount_due) == ("credited", Decimal("0.00"))
    assert invoice.number == "INV-000001"
    with pytest.raises(ConflictError):
        act(billing.cancel_invoice, invoice)
    with pytest.raises(ConflictError):  # nothing left to credit
        act(billing.create_credit_note, invoice)
    db.session.rollback()
    other = new_invoice(save, customer)
    act(billing.issue_invoice, other)
    second_note = act(billing.create_credit_note, other)
    act(billing.issue_invoice, second_note)
    assert (other.number, second_note.number) == ("INV-000002", "CN-000002")


def test_partial_credit_note_reduces_the_amount_due(save, act, customer):
    invoice = new_invoice(save, customer)
    act(billing.issue_invoice, invoice)
    act(payments.record_payment, invoice, "100", date(2025, 1, 3))
    note = act(
        billing.create_credit_note,
        invoice,
        [{"description": "Goodwill", "quantity": "1", "unit_price": "50", "tax_rate": "24"}],
    )
    assert note.total == Decimal("62.00")
    act(billing.issue_invoice, note)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
        "partially_paid",
        Decimal("162.00"),
        Decimal("86.00"),
    )
    with pytest.raises(ValidationError) as caught:
        act(billing.create_credit_note, invoice, [{**LINE, "quantity": "2"}])
    assert "lines" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        act(billing.create_credit_note, invoice, [{**LINE, "quantity": "x"}])
    assert "lines-0-quantity" in caught.value.fields


def test_credit_notes_need_an_issued_invoice(save, act, customer):
    draft = new_invoice(save, customer)
    with pytest.raises(ConflictError):
        act(billing.create_credit_note, draft)
    act(billing.issue_invoice, draft)
    act(billing.cancel_invoice, draft)
    with pytest.raises(ConflictError):
        act(billing.create_credit_note, draft)


def test_credit_after_full_payment_leaves_a_credit_balance(save, act, customer):
    invoice = new_invoice(save, customer, issue_date="2025-02-01")
    act(billing.issue_invoice, invoice)
    act(payments.record_payment, invoice, "248", date(2025, 2, 2))
    note = act(
        billing.create_credit_note,
        invoice,
        [{"description": "Refund", "quantity": "1", "unit_price": "10", "tax_rate": "0"}],
    )
    act(save_invoice_draft, note, {"issue_date": "2025-02-03"})
    act(billing.issue_invoice, note)
    assert invoice.status == "paid" and invoice.amount_paid == Decimal("248")
    result = statements.statement(customer, date(2025, 2, 1), date(2025, 2, 28))
    assert result.closing_balance == Decimal("-10.00")


# -- duplicates and estimates -----------------------------------------------------------------


def test_duplicate_is_a_new_draft_with_the_same_content(save, act, customer):
    invoice = new_invoice(save, customer, custom_fields={"PO number": "PO-1"}, notes="N")
    act(billing.issue_invoice, invoice)
    copy = act(billing.duplicate_invoice, invoice)
    assert (copy.status, copy.number, copy.id != invoice.id) == ("draft", None, True)
    assert (copy.total, copy.notes, copy.custom_fields) == (
        invoice.total,
        "N",
        {"PO number": "PO-1"},
    )
    assert [line.description for line in copy.lines] == ["Consulting"]
    estimate_copy = act(
        billing.duplicate_estimate,
        act(save_estimate_draft, None, {"customer_id": customer.id, "lines": [LINE]}),
    )
    assert estimate_copy.status == "draft" and estimate_copy.total == Decimal("248.00")


def test_estimate_accept_decline_and_convert(act, customer):
    data = {"customer_id": customer.id, "lines": [LINE], "expiry_date": "2099-01-01"}
    estimate = act(save_estimate_draft, None, data)
    with pytest.raises(ConflictError):  # not sent yet
        act(estimates.accept_estimate, estimate, "Anna")
    with pytest.raises(ConflictError):
        act(estimates.convert_estimate_to_invoice, estimate)
    act(billing.send_estimate, estimate)
    assert estimate.number == "EST-000001"
    with pytest.raises(ConflictError):  # a sent estimate is locked
        act(save_estimate_draft, estimate, {"notes": "x"})
    for name in ("", "   ", None):
        with pytest.raises(ValidationError) as caught:
            act(estimates.accept_estimate, estimate, name)
        assert set(caught.value.fields) == {"name"}
    act(estimates.accept_estimate, estimate, "  Anna Schmidt ")
    assert (estimate.status, estimate.accepted_by_name) == ("accepted", "Anna Schmidt")
    assert estimate.accepted_at is not None
    with pytest.raises(ConflictError):
        act(estimates.decline_estimate, estimate, "changed my mind")
    invoice = act(estimates.convert_estimate_to_invoice, estimate)
    assert (invoice.status, invoice.estimate_id, invoice.total) == (
        "draft",
        estimate.id,
        Decimal("248.00"),
    )
    assert estimate.status == "invoiced"
    with pytest.raises(ConflictError):
        act(estimates.convert_estimate_to_invoice, estimate)


def test_estimate_decline_needs_a_reason_and_expired_ones_are_closed(act, customer):
    data = {"customer_id": customer.id, "lines": [LINE]}
    estimate = act(save_estimate_draft, None, data)
    act(billing.send_estimate, estimate, date.today())
    with pytest.raises(ValidationError) as caught:
        act(estimates.decline_estimate, estimate, " ")
    assert set(caught.value.fields) == {"reason"}
    act(estimates.decline_estimate, estimate, "Too expensive")
    assert (estimate.status, estimate.decline_reason) == ("declined", "Too expensive")
    expired = act(
        save_estimate_draft,
        None,
        {**data, "issue_date": "2025-01-01", "expiry_date": "2025-01-31"},
    )
    act(billing.send_estimate, expired)
    with pytest.raises(ConflictError) as caught:
        act(estimates.accept_estimate, expired, "Anna")
    assert caught.value.code == "estimate_expired"


# -- emails -----------------------------------------------------------------------------------


def test_invoice_email_is_queued_with_the_pdf_spec(save, act, customer, make_contact):
    contact = make_contact(customer, language="fi")
    invoice = new_invoice(save, customer)
    with pytest.raises(ConflictError):
        act(billing.queue_invoice_email, invoice, contact)
    act(billing.issue_invoice, invoice)
    email = act(billing.queue_invoice_email, invoice, contact)
    assert email.template == "invoice_issued" and email.language == "fi"
    assert email.attachments == [{"kind": "invoice_pdf", "id": invoice.id, "locale": "fi"}]
    assert f"/clients/invoices/{invoice.id}" in email.body_text
    assert invoice.sent_at is not None
    stranger = make_contact()
    with pytest.raises(ValidationError):
        act(billing.queue_invoice_email, invoice, stranger)


# -- recurring invoices -----------------------------------------------------------------------


def test_recurring_invoices_are_idempotent_and_keep_the_day(save, act, customer, make_contact):
    make_contact(customer, email="ap@nordlicht.example")
    parent = new_invoice(save, customer, issue_date="2025-01-31", recurring_months="1")
    act(billing.issue_invoice, parent)
    assert parent.next_recurring_date == date(2025, 2, 28)
    assert recurring.due_recurring_invoices(date(2025, 2, 27)) == []
    db.session.rollback()
    result = act(recurring.run_recurring, date(2025, 2, 28))
    assert [(c.number, c.issue_date, c.recurring_parent_id) for c in result.created] == [
        ("INV-000002", date(2025, 2, 28), parent.id)
    ]
    assert result.emailed == 1
    assert parent.next_recurring_date == date(2025, 3, 31)
    assert act(recurring.run_recurring, date(2025, 2, 28)).created == []
    # Missed runs are caught up, one invoice per period, on the original day of month.
    result = act(recurring.run_recurring, date(2025, 5, 1))
    assert [(c.number, c.issue_date) for c in result.created] == [
        ("INV-000003", date(2025, 3, 31)),
        ("INV-000004", date(2025, 4, 30)),
    ]
    assert parent.next_recurring_date == date(2025, 5, 31)
    assert act(recurring.run_recurring, date(2025, 5, 1)).created == []
    child = result.created[0]
    assert (child.status, child.total, child.recurring_months) == ("unpaid", parent.total, None)
    assert _count(Invoice) == 4
    act(billing.cancel_invoice, parent)
    assert act(recurring.run_recurring, date(2026, 1, 1)).created == []


# -- reminders --------------------------------------------------------------------------------


def test_one_reminder_per_overdue_invoice_per_interval(save, act, customer, make_contact):
    contact = make_contact(customer, language="de")
    overdue = new_invoice(save, customer, issue_date="2025-03-01", due_date="2025-03-15")
    act(billing.issue_invoice, overdue)
    paid = new_invoice(save, customer, issue_date="2025-03-01", due_date="2025-03-15")
    act(billing.issue_invoice, paid)
    act(payments.record_payment, paid, paid.total, date(2025, 3, 2))
    not_due = new_invoice(save, customer, issue_date="2025-03-10", due_date="2025-04-30")
    act(billing.issue_invoice, not_due)
    assert settings.get("reminder_interval_days") == 7

    assert act(recurring.run_reminders, date(2025, 3, 15)).reminded == []  # due today
    result = act(recurring.run_reminders, date(2025, 3, 16))
    assert [i.number for i in result.reminded] == [overdue.number]
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.template == "payment_reminder"))
    assert email.recipient == contact.email and email.language == "de"
    assert email.attachments == [{"kind": "invoice_pdf", "id": overdue.id, "locale": "de"}]
    for day in (16, 17, 22):
        assert act(recurring.run_reminders, date(2025, 3, day)).reminded == [], day
    assert len(act(recurring.run_reminders, date(2025, 3, 23)).reminded) == 1
    assert _count(OutboxEmail) == 2


def test_reminders_skip_customers_without_contacts(save, act, customer):
    invoice = new_invoice(save, customer, issue_date="2025-03-01", due_date="2025-03-02")
    act(billing.issue_invoice, invoice)
    result = act(recurring.run_reminders, date(2025, 4, 1))
    assert result.reminded == [] and [i.id for i in result.skipped] == [invoice.id]
    assert _count(OutboxEmail) == 0


# -- statement --------------------------------------------------------------------------------


def test_statement_balances(save, act, customer, make_customer):
    def issued(day: str, price: str) -> Invoice:
        invoice = new_invoice(
            save,
            customer,
            issue_date=day,
            lines=[{"description": "x", "quantity": "1", "unit_price": price, "tax_rate": "0"}],
        )
        return act(billing.issue_invoice, invoice)

    first = issued("2025-01-10", "100")
    act(payments.record_payment, first, "30", date(2025, 1, 20), "bank", "P-1")
    second = issued("2025-02-05", "200")
    note = act(
        billing.create_credit_note,
        second,
        [{"description": "x", "quantity": "1", "unit_price": "50", "tax_rate": "0"}],
    )
    act(save_invoice_draft, note, {"issue_date": "2025-02-10"})
    act(billing.issue_invoice, note)
    act(payments.record_payment, second, "100", date(2025, 2, 15), "card", None)
    cancelled = issued("2025-02-20", "999")
    act(billing.cancel_invoice, cancelled)
    issued("2025-03-01", "5")  # after the period
    other_customer = make_customer()
    issued_elsewhere = new_invoice(save, other_customer, issue_date="2025-02-06")
    act(billing.issue_invoice, issued_elsewhere)

    result = statements.statement(customer, date(2025, 2, 1), date(2025, 2, 28))
    assert result.opening_balance == Decimal("70.00")
    assert [(r.kind, r.number, r.debit, r.credit, r.balance) for r in result.rows] == [
        ("invoice", "INV-000002", Decimal("200.00"), 0, Decimal("270.00")),
        ("credit_note", "CN-000001", 0, Decimal("50.00"), Decimal("220.00")),
        ("payment", "INV-000002", 0, Decimal("100.00"), Decimal("120.00")),
    ]
    assert result.closing_balance == Decimal("120.00")
    assert (result.total_debit, result.total_credit) == (Decimal("200.00"), Decimal("150.00"))
    january = statements.statement(customer, date(2025, 1, 1), date(2025, 1, 31))
    assert (january.opening_balance, january.closing_balance) == (0, Decimal("70.00"))
    assert january.rows[1].reference == "P-1"
    with pytest.raises(ValidationError):
        statements.statement(customer, date(2025, 2, 1), date(2025, 1, 1))


def test_statement_queries_are_bounded(save, act, customer, count_queries):
    for day in range(1, 6):
        invoice = new_invoice(save, customer, issue_date=f"2025-01-0{day}")
        act(billing.issue_invoice, invoice)
        act(payments.record_payment, invoice, "10", date(2025, 1, day))
    db.session.expire_all()
    with count_queries() as queries:
        result = statements.statement(customer, date(2025, 1, 1), date(2025, 1, 31))
    assert len(result.rows) == 10
    assert queries.count <= 5


def test_add_months_clamps_to_the_month_end():
    assert billing.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert billing.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert billing.add_months(date(2025, 2, 28), 1, anchor_day=31) == date(2025, 3, 31)
    assert billing.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_estimate_model_is_untouched_by_invoice_rules(act, customer):
    estimate = act(save_estimate_draft, None, {"customer_id": customer.id, "lines": []})
    assert isinstance(estimate, Estimate) and estimate.total == 0
    with pytest.raises(ConflictError):
        act(billing.send_estimate, estimate)
