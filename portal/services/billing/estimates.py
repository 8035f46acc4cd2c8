"""Estimates answered by the customer (accept by typing one's name, decline with a reason)
and converted into invoices by staff.

Rule: an answer is told to the customer's admins, or, when the customer has none, to every
active staff member who may see all estimates (in each reader's language, through the outbox),
whichever edge recorded it."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Contact, Estimate, Invoice, Staff, customer_admins
from portal.models.base import utcnow
from portal.services.billing import new_invoice_from
from portal.services.billing.drafts import flush, parse_text
from portal.services.errors import ConflictError
from portal.services.platform import email
from portal.services.platform.validation import Errors


def _check_open(estimate: Estimate, today: date | None) -> None:
    today = today or date.today()
    if estimate.status != "sent":
        raise ConflictError(
            _("This estimate can no longer be accepted or declined."), code="estimate_not_open"
        )
    if estimate.is_expired(today):
        raise ConflictError(_("This estimate has expired."), code="estimate_expired")


def _required_text(raw: str | None, field: str, max_length: int, missing: str) -> str:
    errors = Errors()
    value = parse_text(raw, field, errors, max_length)
    if value is None and field not in errors.fields:
        errors.add(field, missing)
    errors.raise_if_any()
    return value  # type: ignore[return-value]


def accept_estimate(
    estimate: Estimate,
    typed_name: str | None,
    today: date | None = None,
    *,
    contact: Contact | None = None,
) -> Estimate:
    """Accepts a sent, unexpired estimate; ``typed_name`` (the signer's name, required) and
    the time are recorded, and staff are told (:func:`staff_for_estimate`) who answered
    (``contact``)."""
    _check_open(estimate, today)
    name = _required_text(typed_name, "name", 255, _("Type your name to accept the estimate."))
    estimate.status = "accepted"
    estimate.accepted_by_name = name
    estimate.accepted_at = utcnow()
    flush()
    _notify_staff(estimate, contact)
    return estimate


def decline_estimate(
    estimate: Estimate,
    reason: str | None,
    today: date | None = None,
    *,
    contact: Contact | None = None,
) -> Estimate:
    """Declines a sent, unexpired estimate with a reason (required); staff are told as for
    :func:`accept_estimate`."""
    _check_open(estimate, today)
    clean = _required_text(reason, "reason", 5000, _("Tell us why you decline the estimate."))
    estimate.status = "declined"
    estimate.decline_reason = clean
    estimate.declined_at = utcnow()
    flush()
    _notify_staff(estimate, contact)
    return estimate


def staff_for_estimate(estimate: Estimate) -> list[Staff]:
    """Who hears of a customer's answer: the customer's admins, else every active staff
    member who may see all estimates."""
    admins = list(
        db.session.scalars(
            select(Staff)
            .join(customer_admins, customer_admins.c.staff_id == Staff.id)
            .where(customer_admins.c.customer_id == estimate.customer_id, Staff.is_active)
            .order_by(Staff.id)
        )
    )
    if admins:
        return admins
    members = db.session.scalars(select(Staff).where(Staff.is_active).order_by(Staff.id))
    return [m for m in members if m.has_permission("estimates.view")]


def _notify_staff(estimate: Estimate, contact: Contact | None) -> None:
    link = email.absolute_url("admin.estimate_detail", estimate_id=estimate.id)
    for member in staff_for_estimate(estimate):
        email.queue(
            "estimate_response_staff",
            member.email,
            locale_of(member),
            staff=member,
            estimate=estimate,
            customer=estimate.customer,
            contact=contact,
            accepted=estimate.status == "accepted",
            link=link,
        )


def convert_estimate_to_invoice(estimate: Estimate) -> Invoice:
    """A draft invoice from an accepted estimate (lines, notes, terms, custom fields), linked
    by ``estimate_id``; the estimate becomes ``invoiced``."""
    if estimate.status != "accepted":
        raise ConflictError(
            _("Only an accepted estimate can be converted into an invoice."),
            code="estimate_not_accepted",
        )
    invoice = new_invoice_from(estimate, estimate_id=estimate.id)
    estimate.status = "invoiced"
    flush()
    return invoice
