"""Typed access to the company settings stored in :class:`~portal.models.Setting`."""

from __future__ import annotations

from typing import Any

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
    "default_language": None,  # None: PORTAL_DEFAULT_LOCALE
    "require_staff_2fa": False,
    "invoice_due_days": 14,
    "estimate_valid_days": 30,
    "reminder_interval_days": 7,
}


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def get_all() -> dict[str, Any]:
    values = dict(DEFAULTS)
    values.update({row.key: row.value for row in db.session.scalars(db.select(Setting))})
    return values


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
