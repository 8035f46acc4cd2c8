"""The translated labels of status and priority codes: one table each for the admin, the portal,
emails and PDFs, instead of a dictionary written out again in every template."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

from portal.i18n import current_locale_code

INVOICE_STATUS = {
    "draft": _l("Draft"),
    "unpaid": _l("Unpaid"),
    "partially_paid": _l("Partially paid"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
    "overdue": _l("Overdue"),
}
ESTIMATE_STATUS = {
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "invoiced": _l("Invoiced"),
    "expired": _l("Expired"),
}
#: The portal calls a sent estimate "open": it waits for the customer's answer.
PORTAL_ESTIMATE_STATUS = {**ESTIMATE_STATUS, "sent": _l("Open")}
TICKET_STATUS = {
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "answered": _l("Answered"),
    "on_hold": _l("On hold"),
    "closed": _l("Closed"),
}
PRIORITY = {
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}
TABLES = {
    "invoice": INVOICE_STATUS,
    "estimate": ESTIMATE_STATUS,
    "portal_estimate": PORTAL_ESTIMATE_STATUS,
    "ticket": TICKET_STATUS,
    "priority": PRIORITY,
}


def labels(kind: str) -> dict[str, str]:
    """The labels of ``kind`` (a key of :data:`TABLES`) in the current language, translated once
    per request and language (a list page asks for them on every row)."""
    cache: dict[tuple[str, str], dict[str, str]] = g.setdefault("_portal_labels", {})
    key = (kind, current_locale_code())
    found = cache.get(key)
    if found is None:
        found = cache[key] = {code: str(text) for code, text in TABLES[kind].items()}
    return found
