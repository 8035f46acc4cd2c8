"""The translated labels of status and priority codes: one table each for the admin, the portal,
emails and PDFs, instead of a dictionary written out again in every template.

Every label carries the document type as its gettext context (``pgettext``): one English word
needs several translations by the noun it describes (a cancelled *facture* is "Annulée", a
cancelled *avoir* "Annulé"; a sent *tilbud* is "Åpent", an open *sak* "Åpen")."""

from __future__ import annotations

from collections.abc import Callable

from flask import g
from flask_babel import gettext as _
from flask_babel import pgettext

from portal.i18n import current_locale_code


def _invoice() -> dict[str, str]:
    return {
        "draft": pgettext("invoice", "Draft"),
        "unpaid": pgettext("invoice", "Unpaid"),
        "partially_paid": pgettext("invoice", "Partially paid"),
        "paid": pgettext("invoice", "Paid"),
        "cancelled": pgettext("invoice", "Cancelled"),
        "overdue": pgettext("invoice", "Overdue"),
        "credited": pgettext("invoice", "Credited"),
    }


def _credit_note() -> dict[str, str]:
    return {
        "draft": pgettext("credit note", "Draft"),
        "unpaid": pgettext("credit note", "Unpaid"),
        "partially_paid": pgettext("credit note", "Partially paid"),
        "paid": pgettext("credit note", "Paid"),
        "cancelled": pgettext("credit note", "Cancelled"),
        "overdue": pgettext("credit note", "Overdue"),
        # A credit note is never credited itself; the key keeps the tables alike.
        "credited": pgettext("credit note", "Credited"),
    }


def _estimate() -> dict[str, str]:
    return {
        "draft": pgettext("estimate", "Draft"),
        "sent": pgettext("estimate", "Sent"),
        "accepted": pgettext("estimate", "Accepted"),
        "declined": pgettext("estimate", "Declined"),
        "invoiced": pgettext("estimate", "Invoiced"),
        "expired": pgettext("estimate", "Expired"),
    }


def _portal_estimate() -> dict[str, str]:
    """The portal calls a sent estimate "open": it waits for the customer's answer."""
    return {**_estimate(), "sent": pgettext("estimate", "Open")}


def _ticket() -> dict[str, str]:
    return {
        "open": pgettext("ticket", "Open"),
        "in_progress": pgettext("ticket", "In progress"),
        "answered": pgettext("ticket", "Answered"),
        "on_hold": pgettext("ticket", "On hold"),
        "closed": pgettext("ticket", "Closed"),
    }


def _priority() -> dict[str, str]:
    return {
        "low": pgettext("priority", "Low"),
        "medium": pgettext("priority", "Medium"),
        "high": pgettext("priority", "High"),
        "urgent": pgettext("priority", "Urgent"),
    }


def _api_scope() -> dict[str, str]:
    return {
        "read": pgettext("API scope", "Read"),
        "write": pgettext("API scope", "Write"),
        "metrics": pgettext("API scope", "Metrics"),
    }


def _webhook_event() -> dict[str, str]:
    return {
        "invoice.issued": _("Invoice issued"),
        "invoice.paid": _("Invoice paid"),
        "customer.updated": _("Customer updated"),
        "payment.created": _("Payment received"),
    }


def _yes_no() -> dict[str, str]:
    return {"yes": _("yes"), "no": _("no")}


TABLES: dict[str, Callable[[], dict[str, str]]] = {
    "invoice": _invoice,
    "credit_note": _credit_note,
    "estimate": _estimate,
    "portal_estimate": _portal_estimate,
    "ticket": _ticket,
    "priority": _priority,
    "api_scope": _api_scope,
    "webhook_event": _webhook_event,
    "yes_no": _yes_no,
}


def labels(kind: str) -> dict[str, str]:
    """The labels of ``kind`` (a key of :data:`TABLES`) in the current language, translated once
    per request and language (a list page asks for them on every row)."""
    cache: dict[tuple[str, str], dict[str, str]] = g.setdefault("_portal_labels", {})
    key = (kind, current_locale_code())
    found = cache.get(key)
    if found is None:
        found = cache[key] = TABLES[kind]()
    return found
