"""Page helpers shared by the admin and the portal: the page number of a list and the period
of a statement of account, both read from the query string."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import gettext as _


def page_number() -> int:
    """``?page=`` as a number from 1; anything else is page 1."""
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def statement_period() -> tuple[date, date, dict[str, str]]:
    """``?start=&end=`` (ISO dates; default: this year up to today) and field errors."""
    today = date.today()
    errors: dict[str, str] = {}
    values: dict[str, date] = {}
    for name, default in (("start", date(today.year, 1, 1)), ("end", today)):
        raw = request.args.get(name, "").strip()
        try:
            values[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = _("Enter a date such as 2024-12-31.")
            values[name] = default
    if not errors and values["end"] < values["start"]:
        errors["end"] = _("The end date must not be before the start date.")
    return values["start"], values["end"], errors
