"""PDFs in one place: ``render_pdf(template, locale, **context) -> bytes`` with WeasyPrint.

Safety (SPEC section 10): the HTML comes from our own templates in ``templates/pdf/`` with
autoescaping, so user text is never markup. On top of that, WeasyPrint gets a
:class:`StaticFilesFetcher` that reads, in this process, only files under the project's
``static/`` folder (plus the company logo file, named explicitly). Every other URL -
``file://`` elsewhere, ``http(s)://``, ``data:``, anything - is refused before any I/O; nothing
is fetched over the network, so there are no redirects to follow. The stylesheet is read by
us and handed over as a :class:`weasyprint.CSS` object, never as a URL.

Rendered invoices and estimates are cached as files under ``instance/pdf-cache`` (or
``PORTAL_PDF_CACHE_DIR``) keyed by :func:`document_etag`, which changes whenever the document
(its ``version``), its customer, the company settings or the templates change.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from weasyprint.urls import path2url

from portal.extensions import db
from portal.i18n import LANGUAGES, default_locale, file_name, locale_of
from portal.models import Estimate, Invoice
from portal.services.billing import pdf_worker
from portal.services.billing.addresses import distinct_shipping, shipping_address
from portal.services.billing.pdf_worker import StaticFilesFetcher
from portal.services.billing.statements import Statement
from portal.services.billing.totals import compute_totals
from portal.services.errors import DomainError
from portal.services.platform import company, outbox, settings

PDF_TEMPLATES = ("invoice.html", "estimate.html", "statement.html", "receipt.html")


def static_root() -> Path:
    return Path(current_app.static_folder or "static").resolve()


def logo_file() -> Path | None:
    found = company.logo_file(settings.get("logo_path"))
    return found[0] if found else None


def _helpers(locale: str) -> dict[str, Any]:
    babel_locale = Locale.parse(locale)

    def number(value: Decimal) -> str:
        return format_decimal(value.normalize(), locale=locale, decimal_quantization=False)

    def percent(value: Decimal) -> str:
        return format_percent((value / 100).normalize(), locale=locale, decimal_quantization=False)

    def country(code: str | None) -> str:
        return babel_locale.territories.get(code or "", code or "")

    return {"number": number, "percent": percent, "country_name": country}


def render_html(template: str, locale: str, **context: Any) -> str:
    """The HTML of ``templates/pdf/<template>`` in ``locale`` (what :func:`render_pdf` prints)."""
    if template not in PDF_TEMPLATES:
        raise ValueError(f"unknown PDF template {template!r}")
    if locale not in LANGUAGES:
        raise ValueError(f"unknown locale {locale!r}")
    logo = logo_file()
    with force_locale(locale):
        return render_template(
            f"pdf/{template}",
            company=settings.get_all(),
            logo_url=path2url(logo) if logo else None,
            locale=locale,
            **_helpers(locale),
            **context,
        )


class PdfRefused(DomainError):
    """The document is too large to print within the time limit (``PDF_RENDER_TIMEOUT``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="pdf_too_large")


def html_to_pdf(html: str, fetcher: StaticFilesFetcher | None = None) -> bytes:
    """Prints our HTML with the restricted fetcher and the print stylesheet: in a helper
    process with a hard time limit (:mod:`portal.services.billing.pdf_worker`), or, when the
    caller hands its own ``fetcher`` (to see what was fetched), in this process."""
    root = static_root()
    css = root / "css" / "pdf.css"
    if fetcher is not None:
        return pdf_worker.write_pdf(html, fetcher, css)
    logo = logo_file()
    timeout = float(current_app.config.get("PDF_RENDER_TIMEOUT", 20))
    try:
        return pdf_worker.render(html, root, [logo] if logo else [], css, timeout)
    except pdf_worker.RenderTimeout:
        current_app.logger.warning("PDF refused: not rendered within %.1f s", timeout)
        raise PdfRefused(
            _(
                "This document is too large to be printed as a PDF. Shorten its longest "
                "lines or split it into several documents."
            )
        ) from None


def render_pdf(template: str, locale: str, **context: Any) -> bytes:
    """Renders ``templates/pdf/<template>`` in ``locale`` to PDF bytes."""
    return html_to_pdf(render_html(template, locale, **context))


# -- documents --------------------------------------------------------------------------------


def _document_context(document: Invoice | Estimate) -> dict[str, Any]:
    totals = compute_totals(document.lines, document.currency.decimal_places)
    address = document.billing_address or document.customer.billing_address()
    context: dict[str, Any] = {
        "doc": document,
        "currency": document.currency,
        "address": address,
        # An issued document prints its snapshot (empty: there was none), a draft the current one.
        "shipping": distinct_shipping(
            address,
            document.shipping_address
            if document.billing_address
            else shipping_address(document.customer),
        ),
        "lines": list(zip(document.lines, totals.line_nets, strict=True)),
        "taxes": totals.taxes,
        "totals": totals,
        "custom_fields": [
            (label, (document.custom_fields or {}).get(label))
            for label in dict.fromkeys(
                [*(document.customer.invoice_fields or []), *(document.custom_fields or {})]
            )
            if (document.custom_fields or {}).get(label)
        ],
    }
    if isinstance(document, Invoice):
        paid = sum((p.amount for p in document.payments), Decimal(0))
        context["payments_total"] = paid
        context["credits_total"] = (document.amount_paid or Decimal(0)) - paid
        context["credited_invoice"] = (
            db.session.get(Invoice, document.credited_invoice_id)
            if document.credited_invoice_id
            else None
        )
    return context


def invoice_html(invoice: Invoice, locale: str) -> str:
    return render_html("invoice.html", locale, **_document_context(invoice))


def invoice_pdf(invoice: Invoice, locale: str) -> bytes:
    """The invoice (or credit note) as PDF in ``locale`` (rendered, not cached)."""
    return html_to_pdf(invoice_html(invoice, locale))


def estimate_pdf(estimate: Estimate, locale: str) -> bytes:
    """The estimate as PDF in ``locale`` (rendered, not cached)."""
    return render_pdf("estimate.html", locale, **_document_context(estimate))


def statement_pdf(statement: Statement, locale: str) -> bytes:
    """A statement of account (see :mod:`portal.services.billing.statements`) as PDF."""
    customer = statement.customer
    return render_pdf(
        "statement.html",
        locale,
        statement=statement,
        currency=statement.currency,
        address=customer.billing_address(),
        today=date.today(),
    )


def pdf_filename(document: Invoice | Estimate, locale: str) -> str:
    """The PDF's name in its language: ``Rechnung-INV-000042.pdf``, ``Avoir-CN-000003.pdf``;
    a draft is ``Rechnungsentwurf-<id>.pdf``."""
    with force_locale(locale):
        if isinstance(document, Estimate):
            word = _("Estimate") if document.number else _("Draft estimate")
        elif document.kind == "credit_note":
            word = _("Credit note") if document.number else _("Draft credit note")
        else:
            word = _("Invoice") if document.number else _("Draft invoice")
        return file_name(word, document.number or document.id, extension="pdf")


# -- ETag and cache ---------------------------------------------------------------------------

_template_fingerprint: dict[str, str] = {}


def _templates_fingerprint() -> str:
    """Changes when a PDF template or the print stylesheet changes (checked by mtime)."""
    folder = Path(current_app.root_path).parent / "templates" / "pdf"
    files = [*sorted(folder.glob("*.html")), static_root() / "css" / "pdf.css"]
    stamp = ";".join(f"{f.name}:{f.stat().st_mtime_ns}" for f in files if f.exists())
    if stamp not in _template_fingerprint:
        _template_fingerprint.clear()
        _template_fingerprint[stamp] = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    return _template_fingerprint[stamp]


def document_etag(document: Invoice | Estimate, locale: str) -> str:
    """A strong ETag for the document's PDF in ``locale``: from its kind, id, version and
    ``updated_at``, its customer's ``updated_at`` (drafts show the current address), the
    company settings and the templates."""
    kind = "estimate" if isinstance(document, Estimate) else document.kind
    company_settings = json.dumps(settings.get_all(), sort_keys=True, default=str)
    parts = [
        kind,
        str(document.id),
        str(document.version),
        document.updated_at.isoformat() if document.updated_at else "",
        document.customer.updated_at.isoformat() if document.customer.updated_at else "",
        locale,
        hashlib.sha256(company_settings.encode()).hexdigest(),
        _templates_fingerprint(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def cache_dir() -> Path:
    configured = current_app.config.get("PDF_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "pdf-cache"


def _cache_prefix(document: Invoice | Estimate, locale: str) -> str:
    kind = "estimate" if isinstance(document, Estimate) else "invoice"
    return f"{kind}-{document.id}-{locale}-"


def cached_pdf(document: Invoice | Estimate, locale: str) -> tuple[bytes, str]:
    """``(pdf bytes, etag)``: from the cache when the document has not changed since it was
    last rendered, else rendered and stored (replacing older versions of it)."""
    etag = document_etag(document, locale)
    folder = cache_dir()
    prefix = _cache_prefix(document, locale)
    file = folder / f"{prefix}{etag}.pdf"
    try:
        return file.read_bytes(), etag
    except FileNotFoundError:
        pass
    if isinstance(document, Estimate):
        data = estimate_pdf(document, locale)
    else:
        data = invoice_pdf(document, locale)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pdf")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, file)
    for old in folder.glob(f"{prefix}*.pdf"):
        if old != file:
            old.unlink(missing_ok=True)
    return data, etag


# -- email attachments ------------------------------------------------------------------------


def _attachment(
    model: type[Invoice] | type[Estimate], spec: dict[str, Any]
) -> tuple[str, str, bytes]:
    document = db.session.get(model, int(spec["id"]))
    if document is None:
        raise LookupError(_("The document of this email no longer exists."))
    locale = spec.get("locale")
    if locale not in LANGUAGES:
        primary = document.customer.primary_contact
        locale = locale_of(primary) if primary else default_locale()
    data, _etag = cached_pdf(document, locale)
    return pdf_filename(document, locale), "application/pdf", data


def render_invoice_attachment(spec: dict[str, Any]) -> tuple[str, str, bytes]:
    return _attachment(Invoice, spec)


def render_estimate_attachment(spec: dict[str, Any]) -> tuple[str, str, bytes]:
    return _attachment(Estimate, spec)


def register_renderers() -> None:
    outbox.ATTACHMENT_RENDERERS["invoice_pdf"] = render_invoice_attachment
    outbox.ATTACHMENT_RENDERERS["estimate_pdf"] = render_estimate_attachment
