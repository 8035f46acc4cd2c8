"""Jobs for cron: recurring invoices (``flask invoices recur``) and payment reminders
(``flask invoices remind``). Both are idempotent: what they did is recorded on the invoices
in the same transaction (``next_recurring_date``, ``last_reminder_at``), so a second run the
same day finds nothing to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Contact, Customer, Invoice
from portal.models.base import utcnow
from portal.services import billing
from portal.services.billing import ISSUED_STATUSES, add_months
from portal.services.billing.drafts import flush
from portal.services.platform import email, settings


def _recipient(customer: Customer) -> Contact | None:
    """The primary contact, else the first active contact allowed to see invoices."""
    candidates = [c for c in customer.contacts if c.is_active and c.may("invoices")]
    return next((c for c in candidates if c.is_primary), candidates[0] if candidates else None)


def due_recurring_invoices(today: date) -> list[Invoice]:
    """Issued recurring invoices whose next date has come (locked on PostgreSQL, so two runs
    at once wait for each other instead of both creating the children)."""
    stmt = (
        select(Invoice)
        .join(Invoice.customer)
        .where(
            Invoice.kind == "invoice",
            Invoice.status.in_(ISSUED_STATUSES),
            Invoice.recurring_months.is_not(None),
            Invoice.next_recurring_date <= today,
            Customer.is_active.is_(True),
        )
        .order_by(Invoice.next_recurring_date, Invoice.id)
        .with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


@dataclass
class RecurringResult:
    created: list[Invoice] = field(default_factory=list)
    emailed: int = 0


def run_recurring(today: date | None = None, *, send: bool = True) -> RecurringResult:
    """Creates and issues every due child invoice (one per missed period), links it to its
    parent with ``recurring_parent_id``, advances the parent's ``next_recurring_date`` by
    ``recurring_months`` and, when ``send``, queues the invoice email to the customer."""
    today = today or date.today()
    result = RecurringResult()
    for parent in due_recurring_invoices(today):
        months = parent.recurring_months or 0
        anchor = (parent.issue_date or parent.next_recurring_date).day  # type: ignore[union-attr]
        while months > 0 and parent.next_recurring_date and parent.next_recurring_date <= today:
            child = billing.new_invoice_from(
                parent, recurring_parent_id=parent.id, issue_date=parent.next_recurring_date
            )
            flush()
            billing.issue_invoice(child, today)
            result.created.append(child)
            parent.next_recurring_date = add_months(parent.next_recurring_date, months, anchor)
            contact = _recipient(parent.customer) if send else None
            if contact is not None:
                billing.queue_invoice_email(child, contact)
                result.emailed += 1
        flush()
    return result


def overdue_for_reminder(today: date) -> list[Invoice]:
    """Overdue invoices not reminded within the last ``reminder_interval_days`` days."""
    interval = max(int(settings.get("reminder_interval_days")), 1)
    cutoff = datetime.combine(today - timedelta(days=interval - 1), time.min, UTC)
    stmt = (
        select(Invoice)
        .where(
            Invoice.kind == "invoice",
            Invoice.status.in_(("unpaid", "partially_paid")),
            Invoice.due_date < today,
            or_(Invoice.last_reminder_at.is_(None), Invoice.last_reminder_at < cutoff),
        )
        .options(selectinload(Invoice.customer).selectinload(Customer.contacts))
        .order_by(Invoice.due_date, Invoice.id)
        .with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


@dataclass
class ReminderResult:
    reminded: list[Invoice] = field(default_factory=list)
    #: Overdue invoices whose customer has no active contact to write to.
    skipped: list[Invoice] = field(default_factory=list)


def run_reminders(today: date | None = None) -> ReminderResult:
    """Queues one ``payment_reminder`` email (PDF attached) per overdue invoice and interval,
    to the customer's primary contact, and records ``last_reminder_at``."""
    today = today or date.today()
    now = utcnow()
    stamp = datetime.combine(today, now.time(), UTC)
    result = ReminderResult()
    for invoice in overdue_for_reminder(today):
        contact = _recipient(invoice.customer)
        if contact is None:
            result.skipped.append(invoice)
            continue
        locale = locale_of(contact)
        email.queue(
            "payment_reminder",
            contact.email,
            locale,
            attachments=[{"kind": "invoice_pdf", "id": invoice.id, "locale": locale}],
            invoice=invoice,
            contact=contact,
            days_overdue=(today - invoice.due_date).days,  # type: ignore[operator]
            link=billing.portal_link(f"/clients/invoices/{invoice.id}"),
            **billing.document_link_context(invoice, contact),
        )
        invoice.last_reminder_at = stamp
        result.reminded.append(invoice)
    flush()
    return result
