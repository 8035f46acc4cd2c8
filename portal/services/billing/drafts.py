"""Draft invoices, credit notes and estimates edited from a form or the API: input checked
field by field (errors named like ``lines-0-quantity``), nothing written on bad input, issued
documents locked, and optimistic locking on the ``version`` column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import Customer, Estimate, EstimateLine, Invoice, InvoiceLine, TaxRate
from portal.models.base import utcnow
from portal.services.billing.parsing import parse_amount, parse_date, parse_id
from portal.services.billing.totals import HUNDRED, recalculate
from portal.services.errors import ConflictError, ValidationError
from portal.services.platform.validation import Errors

MAX_LINES = 200
MAX_RECURRING_MONTHS = 36


Doc = TypeVar("Doc", Invoice, Estimate)


def parse_text(value: Any, field: str, errors: Errors, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return None
    value = value.strip()
    if len(value) > max_length:
        errors.add(field, _("At most %(n)d characters.", n=max_length))
        return None
    return value or None


def _customer(value: Any, errors: Errors) -> Customer | None:
    customer_id = parse_id(value)
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        errors.add("customer_id", _("Choose a customer."))
    elif not customer.is_active:
        errors.add("customer_id", _("This customer is inactive."))
        return None
    return customer


def _default_tax_percent(customer: Customer) -> tuple[Decimal, int | None]:
    rate = customer.tax_class.default_tax_rate if customer.tax_class else None
    return (rate.percent, rate.id) if rate is not None else (Decimal(0), None)


def parse_lines(
    raw: Any,
    model: type[InvoiceLine] | type[EstimateLine],
    customer: Customer | None,
    errors: Errors,
) -> list[Any]:
    """Document lines from ``[{description, quantity, unit_price, tax_rate | tax_rate_id,
    discount}]``; errors are named ``lines-<index>-<field>``."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        errors.add("lines", _("Give a list of lines."))
        return []
    if len(raw) > MAX_LINES:
        errors.add("lines", _("At most %(n)d lines.", n=MAX_LINES))
        return []
    rates = _tax_rates(raw)
    lines = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            errors.add(f"lines-{i}", _("Give each line as an object."))
            continue
        line = _parse_line(i, item, model, customer, rates, errors)
        if line is not None:
            lines.append(line)
    return lines


def _tax_rates(raw: Sequence[Any]) -> dict[int, TaxRate]:
    """The tax rates the lines choose by ``tax_rate_id``, read in one statement."""
    rate_ids = {
        rate_id
        for item in raw
        if isinstance(item, Mapping) and (rate_id := parse_id(item.get("tax_rate_id"))) is not None
    }
    return (
        {r.id: r for r in db.session.scalars(select(TaxRate).where(TaxRate.id.in_(rate_ids)))}
        if rate_ids
        else {}
    )


def _parse_line(
    i: int,
    item: Mapping[str, Any],
    model: type[InvoiceLine] | type[EstimateLine],
    customer: Customer | None,
    rates: dict[int, TaxRate],
    errors: Errors,
) -> Any:
    """Line ``i`` as a ``model``, or ``None`` when it has errors (added to ``errors``)."""
    name = f"lines-{i}-"
    description = parse_text(item.get("description"), name + "description", errors, 5000)
    if description is None and name + "description" not in errors.fields:
        errors.add(name + "description", _("This field is required."))
    quantity = parse_amount(
        item.get("quantity"),
        name + "quantity",
        errors,
        positive=True,
        maximum=Decimal("9999999999"),
    )
    unit_price = parse_amount(
        item.get("unit_price"),
        name + "unit_price",
        errors,
        minimum=Decimal(0),
        maximum=Decimal("99999999999999"),
    )
    discount = parse_amount(
        item.get("discount", item.get("discount_percent")),
        name + "discount",
        errors,
        minimum=Decimal(0),
        maximum=HUNDRED,
        default=Decimal(0),
    )
    percent, rate_id = _line_tax(item, name, customer, rates, errors)
    if None in (description, quantity, unit_price, discount, percent):
        return None
    return model(
        position=i,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount,
        tax_percent=percent,
        tax_rate_id=rate_id,
    )


def _line_tax(
    item: Mapping[str, Any],
    name: str,
    customer: Customer | None,
    rates: dict[int, TaxRate],
    errors: Errors,
) -> tuple[Decimal | None, int | None]:
    """A line's tax percent and rate id: the rate chosen (``tax_rate_id``), else the percent
    given (``tax_rate``), else the customer's default rate (none without a customer)."""
    if item.get("tax_rate_id") not in (None, ""):
        rate = rates.get(parse_id(item["tax_rate_id"]) or 0)
        if rate is None:
            errors.add(name + "tax_rate_id", _("Unknown tax rate."))
            return None, None
        return rate.percent, rate.id
    if item.get("tax_rate") not in (None, ""):
        percent = parse_amount(
            item.get("tax_rate"),
            name + "tax_rate",
            errors,
            minimum=Decimal(0),
            maximum=HUNDRED,
        )
        return percent, None
    if customer is not None:
        return _default_tax_percent(customer)
    return Decimal(0), None


def _parse_custom_fields(raw: Any, customer: Customer | None, errors: Errors) -> dict[str, str]:
    """Values for the customer's ``invoice_fields`` labels only; errors are named
    ``custom_fields`` (unknown label) or ``custom_fields-<index of the label>``."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        errors.add("custom_fields", _("Give the custom fields as an object."))
        return {}
    labels = list(customer.invoice_fields or []) if customer else []
    unknown = [str(k) for k in raw if k not in labels]
    if unknown:
        errors.add(
            "custom_fields",
            _("Unknown custom field: %(names)s.", names=", ".join(unknown)[:200]),
        )
    clean = {}
    for index, label in enumerate(labels):
        value = parse_text(raw.get(label), f"custom_fields-{index}", errors, 255)
        if value:
            clean[label] = value
    return clean


def _check_version(document: Invoice | Estimate, expected_version: Any) -> None:
    if expected_version is None or document.id is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = -1
    if expected != document.version:
        raise version_conflict()


def version_conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else saved this document while you were editing it. Your changes were "
            "not saved: reload the page to see the current version, then make your changes "
            "again."
        ),
        code="version_conflict",
    )


def lock_invoice(invoice_id: int | None) -> Invoice | None:
    """Re-reads an invoice under a row lock (PostgreSQL; SQLite writers are serialised by
    ``BEGIN IMMEDIATE`` already), so amounts are current when a payment or credit applies."""
    stmt = (
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(stmt).one_or_none()


def flush() -> None:
    """Flushes; a stale version (another transaction saved first) becomes a conflict."""
    try:
        db.session.flush()
    except StaleDataError:
        raise version_conflict() from None


def _save_draft(
    document: Doc | None,
    model: type[Doc],
    line_model: type[InvoiceLine] | type[EstimateLine],
    end_field: str,
    data: Mapping[str, Any],
    expected_version: Any,
) -> Doc:
    creating = document is None
    clean = _clean_draft(document, model, line_model, end_field, data)
    if creating:
        document = model(status="draft", custom_fields={}, billing_address={})
        if model is Invoice:
            document.kind = "invoice"  # type: ignore[union-attr]
            document.amount_paid = Decimal(0)  # type: ignore[union-attr]
    assert document is not None
    with db.session.no_autoflush:  # the one flush below turns a stale version into a conflict
        customer = clean.pop("customer", None)
        if customer is not None:
            document.customer = customer
            document.currency = customer.currency
        for key, value in clean.items():
            setattr(document, key, value)
        document.updated_at = utcnow()  # every save bumps the version, even for lines only
        if creating:
            db.session.add(document)
        recalculate(document)
    flush()
    return document


def _clean_draft(
    document: Doc | None,
    model: type[Doc],
    line_model: type[InvoiceLine] | type[EstimateLine],
    end_field: str,
    data: Mapping[str, Any],
) -> dict[str, Any]:
    """The checked values of the keys in ``data`` (all of them for a new ``document``), by
    attribute; raises :class:`ValidationError` naming every bad field."""
    creating = document is None
    errors = Errors()
    clean: dict[str, Any] = {}
    with db.session.no_autoflush:
        customer: Customer | None = None if creating else document.customer  # type: ignore[union-attr]
        if creating or "customer_id" in data:
            customer = _customer(data.get("customer_id"), errors)
            clean["customer"] = customer
        for key in ("issue_date", end_field):
            if key in data:
                clean[key] = parse_date(data.get(key), key, errors)
        start = clean.get("issue_date", None if creating else document.issue_date)  # type: ignore[union-attr]
        end = clean.get(end_field, None if creating else getattr(document, end_field))
        if start and end and end < start and (end_field in data or "issue_date" in data):
            errors.add(end_field, _("Must not be before the issue date."))
        for key in ("notes", "terms"):
            if key in data:
                clean[key] = parse_text(data.get(key), key, errors, 10000)
        if "custom_fields" in data or (
            "customer_id" in data and not creating and customer is not document.customer  # type: ignore[union-attr]
        ):
            clean["custom_fields"] = _parse_custom_fields(
                data.get("custom_fields"), customer, errors
            )
        if creating or "lines" in data:
            clean["lines"] = parse_lines(data.get("lines") or [], line_model, customer, errors)
        if model is Invoice and "recurring_months" in data:
            clean["recurring_months"] = _recurring_months(data.get("recurring_months"), errors)
    errors.raise_if_any()
    return clean


def _recurring_months(months: Any, errors: Errors) -> int | None:
    """``None`` (not recurring) for empty input or 0, else 1 to :data:`MAX_RECURRING_MONTHS`."""
    if months in (None, "", 0, "0"):
        return None
    if str(months).isdigit() and 1 <= int(months) <= MAX_RECURRING_MONTHS:
        return int(months)
    errors.add(
        "recurring_months",
        _("Enter a number of months from 1 to %(n)d.", n=MAX_RECURRING_MONTHS),
    )
    return None


def save_invoice_draft(
    invoice: Invoice | None, data: Mapping[str, Any], expected_version: Any = None
) -> Invoice:
    """Creates (``invoice=None``) or edits a draft invoice or credit note from ``data``:
    ``customer_id``, ``issue_date``, ``due_date``, ``notes``, ``terms``, ``custom_fields``,
    ``recurring_months`` and ``lines``. On edit only the keys present change; ``lines``
    replaces all lines. Raises :class:`ValidationError` (nothing written) on bad input and
    :class:`ConflictError` for an issued invoice or a stale ``expected_version``."""
    if invoice is not None:
        if invoice.status != "draft":
            raise ConflictError(
                _("An issued invoice cannot be changed; correct it with a credit note."),
                code="invoice_locked",
            )
        _check_version(invoice, expected_version)
        if (
            invoice.kind == "credit_note"
            and "customer_id" in data
            and str(data["customer_id"]) != str(invoice.customer_id)
        ):
            message = _("A credit note stays with the customer of its invoice.")
            raise ValidationError(message, fields={"customer_id": message})
    return _save_draft(invoice, Invoice, InvoiceLine, "due_date", data, expected_version)


def save_estimate_draft(
    estimate: Estimate | None, data: Mapping[str, Any], expected_version: Any = None
) -> Estimate:
    """Creates or edits a draft estimate, like :func:`save_invoice_draft` with
    ``expiry_date`` instead of ``due_date``. A sent estimate is locked (duplicate it)."""
    if estimate is not None:
        if estimate.status != "draft":
            raise ConflictError(
                _("A sent estimate cannot be changed; duplicate it instead."),
                code="estimate_locked",
            )
        _check_version(estimate, expected_version)
    return _save_draft(estimate, Estimate, EstimateLine, "expiry_date", data, expected_version)
