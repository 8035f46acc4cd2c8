"""Forms shared by the invoice and estimate pages: the draft form with its line rows, the
payment form, and the glue between them and :mod:`portal.services.billing.drafts` (the form's
data as the service's dict, the service's field errors next to the right row and field, and
the draft page itself: :func:`draft_page`).

Line rows are ``lines-<n>-<field>`` (a WTForms ``FieldList``), the names the draft service
uses for its errors. Empty rows are left out before saving; ``index_map`` remembers which
row each line the service saw came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.extensions import db
from portal.i18n import number_for_input, number_from_input, number_marks, percent_text
from portal.models import Customer, Estimate, Invoice, TaxRate
from portal.services.billing.drafts import MAX_LINES
from portal.services.errors import DomainError
from portal.web.unit_of_work import fail

EMPTY_ROWS = 3
LINE_FIELDS = ("description", "quantity", "unit_price", "tax", "discount")
#: Service error names of a line that are shown on another field of the row.
LINE_ERROR_ALIASES = {"tax_rate_id": "tax", "tax_rate": "tax", "discount_percent": "discount"}
LINE_ERROR = re.compile(r"lines-(\d+)-(\w+)")
DATE_INPUT = {"type": "date"}
DECIMAL_INPUT = {"inputmode": "decimal", "autocomplete": "off"}


class LineForm(Form):
    """One row of the lines table (no CSRF of its own: it is part of the document form)."""

    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 1}
    )
    quantity = StringField(_l("Quantity"), validators=[Length(max=30)], render_kw=DECIMAL_INPUT)
    unit_price = StringField(_l("Unit price"), validators=[Length(max=30)], render_kw=DECIMAL_INPUT)
    tax = SelectField(_l("Tax"), validate_choice=False)
    discount = StringField(_l("Discount (%)"), validators=[Length(max=30)], render_kw=DECIMAL_INPUT)


class DocumentForm(FlaskForm):
    version = HiddenField()
    issue_date = StringField(
        lazy_pgettext("invoice", "Issue date"), validators=[Length(max=20)], render_kw=DATE_INPUT
    )
    notes = TextAreaField(_l("Notes (shown on the document)"), validators=[Length(max=10000)])
    terms = TextAreaField(_l("Terms"), validators=[Length(max=10000)])
    lines = FieldList(FormField(LineForm), min_entries=EMPTY_ROWS, max_entries=MAX_LINES)

    #: ``custom_fields-<n>`` field names, one per label of the customer's ``invoice_fields``.
    custom_field_names: list[str]
    custom_field_labels: list[str]
    #: Errors about the lines as a whole (e.g. "at most 200 lines").
    line_errors: list[str]

    def is_adding_line(self) -> bool:
        return "add_line" in request.form


class InvoiceForm(DocumentForm):
    due_date = StringField(_l("Due date"), validators=[Length(max=20)], render_kw=DATE_INPUT)
    recurring_months = StringField(
        _l("Repeat every … months (empty: once)"),
        validators=[Length(max=3)],
        render_kw={"inputmode": "numeric"},
    )


class EstimateForm(DocumentForm):
    issue_date = StringField(
        lazy_pgettext("estimate", "Issue date"), validators=[Length(max=20)], render_kw=DATE_INPUT
    )
    expiry_date = StringField(_l("Valid until"), validators=[Length(max=20)], render_kw=DATE_INPUT)


class PaymentForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[Length(max=30)], render_kw=DECIMAL_INPUT)
    paid_at = StringField(_l("Payment date"), validators=[Length(max=20)], render_kw=DATE_INPUT)
    method = StringField(_l("Method"), validators=[Optional(), Length(max=60)])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])


@dataclass
class TaxChoices:
    """The tax select's options: ``(value, label)``, the percent of each value (for the
    running totals in ``lines.js``) and the value to pre-select on a new row."""

    choices: list[tuple[str, str]] = field(default_factory=list)
    percents: dict[str, str] = field(default_factory=dict)
    default: str = ""


def tax_choices(customer: Customer, document: Invoice | Estimate | None = None) -> TaxChoices:
    """The tax rates (``<id>``), plus the percent of any line that has no rate row any more
    (``p<percent>``, so editing a draft never changes its taxes silently)."""
    result = TaxChoices()
    rates = db.session.scalars(select(TaxRate).order_by(TaxRate.percent, TaxRate.name)).all()
    for rate in rates:
        value = str(rate.id)
        result.choices.append((value, f"{percent_text(rate.percent)} · {rate.name}"))
        result.percents[value] = format(rate.percent.normalize(), "f")
    for line in document.lines if document is not None else []:
        if line.tax_rate_id is None:
            value = "p" + format(line.tax_percent.normalize(), "f")
            if value not in result.percents:
                result.choices.append((value, percent_text(line.tax_percent)))
                result.percents[value] = value[1:]
    default_rate = customer.tax_class.default_tax_rate if customer.tax_class else None
    if default_rate is not None:
        result.default = str(default_rate.id)
    if not result.choices:  # no tax rates set up: the service's default (0 %)
        result.choices.append(("", percent_text(Decimal(0))))
        result.percents[""] = "0"
    if not result.default:
        result.default = result.choices[0][0]
    return result


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def amount_text(value: Decimal, places: int) -> str:
    """``100.0000`` -> ``100.00`` and ``9.9950`` -> ``9.995`` for a currency with 2 places,
    with the locale's decimal mark (``100,00`` in German)."""
    value = value.normalize()
    exponent = int(value.as_tuple().exponent)
    if exponent > -places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return number_for_input(value)


def _line_data(line: Any, places: int) -> dict[str, str]:
    tax = (
        str(line.tax_rate_id)
        if line.tax_rate_id
        else "p" + format(line.tax_percent.normalize(), "f")
    )
    return {
        "description": line.description,
        "quantity": number_for_input(line.quantity.normalize()),
        "unit_price": amount_text(line.unit_price, places),
        "tax": tax,
        "discount": number_for_input(line.discount_percent.normalize()),
    }


def _empty_line(taxes: TaxChoices) -> dict[str, str]:
    return {
        "description": "",
        "quantity": "1",
        "unit_price": "",
        "tax": taxes.default,
        "discount": "0",
    }


def build_form(
    form_class: type[DocumentForm],
    customer: Customer,
    document: Invoice | Estimate | None,
    taxes: TaxChoices,
) -> DocumentForm:
    """The draft form for ``customer``'s new document (``document=None``) or for editing
    ``document``: on GET filled from the document (its lines plus one empty row, at least
    three rows), on POST from the request."""
    labels = list(customer.invoice_fields or [])
    extra = {
        f"custom_fields-{i}": StringField(label, validators=[Optional(), Length(max=255)])
        for i, label in enumerate(labels)
    }
    cls = type(form_class.__name__, (form_class,), extra) if extra else form_class
    data: dict[str, Any] | None = None
    if request.method != "POST":
        data = {"lines": [_empty_line(taxes) for _ in range(EMPTY_ROWS)]}
        if document is not None:
            places = document.currency.decimal_places
            lines = [_line_data(line, places) for line in document.lines]
            padding = max(1, EMPTY_ROWS - len(lines))
            data = {
                "version": str(document.version),
                "issue_date": _iso(document.issue_date),
                "notes": document.notes or "",
                "terms": document.terms or "",
                "lines": lines + [_empty_line(taxes) for _ in range(padding)],
            }
            for key in ("due_date", "expiry_date"):
                if hasattr(document, key):
                    data[key] = _iso(getattr(document, key))
            if isinstance(document, Invoice):
                data["recurring_months"] = _text(document.recurring_months or "")
            for i, label in enumerate(labels):
                data[f"custom_fields-{i}"] = (document.custom_fields or {}).get(label, "")
    form: DocumentForm = cls(data=data) if data is not None else cls()
    form.custom_field_names = list(extra)
    form.custom_field_labels = labels
    form.line_errors = []
    for entry in form.lines.entries:
        entry.form.tax.choices = taxes.choices
    if form.is_adding_line() and len(form.lines.entries) < MAX_LINES:
        form.lines.append_entry(_empty_line(taxes))
        form.lines.entries[-1].form.tax.choices = taxes.choices
    return form


def _blank(entry_form: LineForm) -> bool:
    return not any((f.data or "").strip() for f in (entry_form.description, entry_form.unit_price))


def payload(form: DocumentForm, end_field: str) -> tuple[dict[str, Any], list[int]]:
    """The draft service's input from the form, and for each line given to the service the
    index of its row in the form (empty rows are left out)."""
    lines: list[dict[str, str]] = []
    index_map: list[int] = []
    for index, entry in enumerate(form.lines.entries):
        row: LineForm = entry.form
        if _blank(row):
            continue
        item = {
            "description": row.description.data or "",
            "quantity": number_from_input(row.quantity.data),
            "unit_price": number_from_input(row.unit_price.data),
            "discount": number_from_input(row.discount.data),
        }
        tax = (row.tax.data or "").strip()
        if tax.startswith("p"):
            item["tax_rate"] = tax[1:]
        else:
            item["tax_rate_id"] = tax
        lines.append(item)
        index_map.append(index)
    data: dict[str, Any] = {
        "issue_date": form.issue_date.data or "",
        end_field: getattr(form, end_field).data or "",
        "notes": form.notes.data or "",
        "terms": form.terms.data or "",
        "lines": lines,
        "custom_fields": {
            label: form[name].data or ""
            for name, label in zip(form.custom_field_names, form.custom_field_labels, strict=True)
        },
    }
    if isinstance(form, InvoiceForm):
        data["recurring_months"] = (form.recurring_months.data or "").strip()
    return data, index_map


def _add_error(target: Field, message: str) -> None:
    target.errors = [*list(target.errors or []), message]


def show_document_errors(form: DocumentForm, exc: DomainError, index_map: Sequence[int]) -> None:
    """Puts the service's field errors next to the fields (line errors on their row); the
    rest is flashed."""
    for name, message in exc.fields.items():
        match = LINE_ERROR.fullmatch(name)
        if match and int(match[1]) < len(index_map):
            row = form.lines.entries[index_map[int(match[1])]].form
            target = row._fields.get(LINE_ERROR_ALIASES.get(match[2], match[2]))
            if target is not None:
                _add_error(target, message)
                continue
        if name == "lines" or name.startswith("lines-"):
            form.line_errors.append(message)
            continue
        target = form._fields.get(name)
        if target is not None and name != "lines":
            _add_error(target, message)
        else:
            flash(message, "error")
    if not exc.fields:
        flash(exc.message, "error")


# -- the draft page -----------------------------------------------------------------------


@dataclass(frozen=True)
class DraftKind:
    """What differs between the invoice and the estimate draft pages."""

    #: ``invoice`` or ``estimate``: the template folder, the template's variable, the detail page.
    name: str
    form_class: type[DocumentForm]
    #: ``due_date`` or ``expiry_date``.
    end_field: str
    #: :func:`~portal.services.billing.drafts.save_invoice_draft` or ``save_estimate_draft``.
    save: Callable[..., Invoice | Estimate]
    #: The page's heading for ``(customer, document)`` (``None`` for a new document).
    heading: Callable[[Customer, Any], str]
    #: The status of the page that shows a refusal.
    error_status: Callable[[DomainError], int]


def _form_page(
    kind: DraftKind,
    form: DocumentForm,
    customer: Customer,
    document: Invoice | Estimate | None,
    taxes: TaxChoices,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            f"admin/{kind.name}s/form.html",
            heading=kind.heading(customer, document),
            form=form,
            customer=customer,
            taxes=taxes,
            end_field=kind.end_field,
            number_marks=number_marks(),
            **{kind.name: document},
        ),
        status,
    )


def draft_page(
    kind: DraftKind, customer: Customer, document: Invoice | Estimate | None
) -> ResponseReturnValue:
    """The draft form for ``customer``'s new document (``document=None``) or for ``document``:
    shown on GET and when a line is added; a valid POST saves the draft and shows its detail
    page, a refusal shows the form again with the service's errors."""
    taxes = tax_choices(customer, document)
    form = build_form(kind.form_class, customer, document, taxes)
    if request.method != "POST" or form.is_adding_line():
        return _form_page(kind, form, customer, document, taxes)
    if not form.validate_on_submit():
        return _form_page(kind, form, customer, document, taxes, 400)
    data, index_map = payload(form, kind.end_field)
    if document is None:
        data["customer_id"] = customer.id
    try:
        saved = kind.save(document, data, expected_version=form.version.data)
    except DomainError as exc:
        fail()
        show_document_errors(form, exc, index_map)
        return _form_page(kind, form, customer, document, taxes, kind.error_status(exc))
    flash(_("The draft was saved."), "success")
    return redirect(url_for(f".{kind.name}_detail", **{f"{kind.name}_id": saved.id}))


__all__ = [
    "DocumentForm",
    "DraftKind",
    "EstimateForm",
    "InvoiceForm",
    "PaymentForm",
    "TaxChoices",
    "amount_text",
    "build_form",
    "draft_page",
    "payload",
    "show_document_errors",
    "tax_choices",
]
