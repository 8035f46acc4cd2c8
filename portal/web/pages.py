"""Page helpers shared by the admin and the portal: the page number of a list and the period
of a statement of account, both read from the query string."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import gettext as _

#: Past this a page number is read as this (an empty page, never a number the database
#: cannot take as an offset).
MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=`` as a number from 1 to :data:`MAX_PAGE`; anything else is page 1."""
    raw = request.args.get("page", "1").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return min(max(int(raw[:7]), 1), MAX_PAGE)


def statement_period(today: date | None = None) -> tuple[date, date, dict[str, str]]:
    """``?start=&end=`` (ISO dates; default: this year up to today) and field errors."""
    today = today or date.today()
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
