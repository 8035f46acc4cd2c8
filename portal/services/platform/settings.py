"""Typed access to the company settings stored in :class:`~portal.models.Setting`."""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context

from portal.extensions import db
from portal.models import Setting

DEFAULTS: dict[str, Any] = {
    "company_name": "Your Company",
    "company_address": "",
    "company_vat_number": "",
    "company_email": "",
    "company_phone": "",
    "logo_path": None,
    "invoice_prefix": "INV-",
    "estimate_prefix": "EST-",
    "credit_note_prefix": "CN-",
    "customer_prefix": "C-",
    "registration_enabled": False,
    #: ``off``, ``open`` or ``approval``; None: ``open`` when ``registration_enabled`` else off.
    "registration_mode": None,
    "default_language": None,  # None: PORTAL_DEFAULT_LOCALE
    "require_staff_2fa": False,
    "invoice_due_days": 14,
    "estimate_valid_days": 30,
    "reminder_interval_days": 7,
    #: The smallest part of an invoice a contact may pay online (in the invoice's currency).
    "online_payment_minimum": "1.00",
}


def _cached() -> dict[str, Any] | None:
    return g.get("_portal_settings") if has_app_context() else None


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(key)
    return get_all()[key]


def get_all() -> dict[str, Any]:
    """Every setting (defaults filled in), read once per request or app context: the layout,
    the guards and the numbering all ask, and a settings change is rare."""
    cached = _cached()
    if cached is not None:
        return dict(cached)
    values = dict(DEFAULTS)
    values.update({row.key: row.value for row in db.session.scalars(db.select(Setting))})
    if has_app_context():
        g._portal_settings = values
    return dict(values)


def set_many(values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key not in DEFAULTS:
            raise KeyError(key)
        row = db.session.get(Setting, key)
        if row is None:
            db.session.add(Setting(key=key, value=value))
        elif row.value != value:
            row.value = value
    db.session.flush()
    if has_app_context():
        g.pop("_portal_settings", None)
