"""Estimates answered by the customer (accept by typing one's name, decline with a reason)
and converted into invoices by staff."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.models import Estimate, Invoice
from portal.models.base import utcnow
from portal.services.billing import new_invoice_from
from portal.services.billing.drafts import flush, parse_text
from portal.services.errors import ConflictError
from portal.services.platform.validation import Errors


def _check_open(estimate: Estimate, today: date | None) -> None:
    today = today or date.today()
    if estimate.status != "sent":
        raise ConflictError(
            _("This estimate can no longer be accepted or declined."), code="estimate_not_open"
        )
    if estimate.is_expired(today):
        raise ConflictError(_("This estimate has expired."), code="estimate_expired")


def accept_estimate(
    estimate: Estimate, typed_name: str | None, today: date | None = None
) -> Estimate:
    """Accepts a sent, unexpired estimate; ``typed_name`` (the signer's name, required) and
    the time are recorded."""
    _check_open(estimate, today)
    errors = Errors()
    name = parse_text(typed_name, "name", errors, 255)
    if name is None and "name" not in errors.fields:
        errors.add("name", _("Type your name to accept the estimate."))
    errors.raise_if_any()
    estimate.status = "accepted"
    estimate.accepted_by_name = name
    estimate.accepted_at = utcnow()
    flush()
    return estimate


def decline_estimate(estimate: Estimate, reason: str | None, today: date | None = None) -> Estimate:
    """Declines a sent, unexpired estimate with a reason (required)."""
    _check_open(estimate, today)
    errors = Errors()
    clean = parse_text(reason, "reason", errors, 5000)
    if clean is None and "reason" not in errors.fields:
        errors.add("reason", _("Tell us why you decline the estimate."))
    errors.raise_if_any()
    estimate.status = "declined"
    estimate.decline_reason = clean
    estimate.declined_at = utcnow()
    flush()
    return estimate


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
