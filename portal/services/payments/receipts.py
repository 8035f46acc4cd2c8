"""What a contact sees of payments: the list of its customer's payments, the receipt PDF
(through the PDF service, ``templates/pdf/receipt.html``) and the receipt email
(``templates/email/payment_receipt.*``, in the payer's language, the PDF attached)."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.i18n import LANGUAGES, default_locale, locale_of
from portal.models import Contact, Invoice, Payment
from portal.services.billing import pdf, portal_link
from portal.services.errors import NotFound
from portal.services.platform import email, outbox
from portal.services.platform.paging import Page

#: The outbox attachment kind of a receipt PDF.
ATTACHMENT = "payment_receipt_pdf"


def method_label(payment: Payment) -> str:
    """The payment method for people, in the current language (stored values are codes for
    online payments and free text for the others)."""
    labels = {"card": _("Card"), "sepa_debit": _("SEPA Direct Debit")}
    return labels.get(payment.method or "", payment.method or "-")


def _visible(contact: Contact) -> Any:
    return (
        select(Payment)
        .join(Payment.invoice)
        .where(
            Invoice.customer_id == contact.customer_id,
            Invoice.kind == "invoice",
            Invoice.status != "draft",
        )
    )


def payment_page(contact: Contact, number: int, per_page: int) -> Page[Payment]:
    """Page ``number`` of the payments of the contact's customer, newest first (two
    statements whatever the page shows)."""
    if not contact.may("invoices"):
        return Page([], number, per_page, 0)
    stmt = _visible(contact)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.options(contains_eager(Payment.invoice))
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return Page(list(rows), number, per_page, total)


def payment_for_contact(pk: int, contact: Contact) -> Payment:
    """One payment of the contact's customer; :class:`NotFound` for any other."""
    payment = db.session.scalar(_visible(contact).where(Payment.id == pk))
    if payment is None or not contact.may("invoices"):
        raise NotFound(_("Page not found"))
    return payment  # type: ignore[no-any-return]


def receipt_filename(payment: Payment) -> str:
    return f"receipt-{payment.invoice.number or payment.invoice_id}-{payment.id}.pdf"


def receipt_pdf(payment: Payment, locale: str) -> bytes:
    invoice = payment.invoice
    with force_locale(locale):
        method = method_label(payment)
    return pdf.render_pdf(
        "receipt.html",
        locale,
        payment=payment,
        invoice=invoice,
        currency=payment.currency,
        address=invoice.billing_address or invoice.customer.billing_address(),
        method=method,
    )


def queue_receipt(payment: Payment, contact: Contact) -> None:
    """The receipt email to ``contact`` in its language, with the receipt PDF."""
    locale = locale_of(contact)
    invoice = payment.invoice
    with force_locale(locale):
        method = method_label(payment)
    email.queue(
        "payment_receipt",
        contact.email,
        locale,
        attachments=[{"kind": ATTACHMENT, "id": payment.id, "locale": locale}],
        contact=contact,
        payment=payment,
        invoice=invoice,
        method=method,
        link=portal_link(f"/clients/invoices/{invoice.id}"),
    )


def render_attachment(spec: dict[str, Any]) -> tuple[str, str, bytes]:
    """The receipt PDF of an outbox email (``{"kind": ATTACHMENT, "id", "locale"}``)."""
    payment = db.session.get(Payment, int(spec["id"]))
    if payment is None:
        raise LookupError("the payment of this receipt no longer exists")
    locale = spec.get("locale")
    if locale not in LANGUAGES:
        locale = default_locale()
    return receipt_filename(payment), "application/pdf", receipt_pdf(payment, locale)


def register_renderers() -> None:
    """Lets the outbox attach receipt PDFs (called by ``create_app``)."""
    outbox.ATTACHMENT_RENDERERS[ATTACHMENT] = render_attachment
