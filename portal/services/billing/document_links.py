"""Links that open one invoice or estimate without signing in (``/d/<token>``, SPEC section 11).

Every email about an invoice or an estimate (issued, sent, payment reminder) carries one: a
:class:`~portal.models.DocumentLink` row is written when the email is queued, for that
document and that recipient. The token is signed with the app's secret (itsdangerous, as the
password links of :mod:`portal.services.identity.tokens`) and names the row; the row decides:

* it works until ``expires_at`` (``PORTAL_DOCUMENT_LINK_DAYS`` after it was sent, default 30)
  and until staff revoke it;
* it opens its own document only, and only while that document still has the number it was
  sent with; any other id through the same link is not found;
* it stays the recipient's: the contact must still be active, of an active customer, at the
  address the email went to, and allowed to use the document's portal area;
* a token changed in any character is refused (only the exact spelling we made is accepted).

Opening a link never signs anyone in. A customer's answer to an estimate given through a link
is recorded under the recipient contact as the actor, so the audit log shows who accepted (with
the typed name) exactly as for the portal.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Contact, Customer, DocumentLink, Estimate, Invoice, Staff
from portal.models.base import utcnow
from portal.services.errors import DomainError, NotFound
from portal.services.platform.audit import acting_as, actor_for

SALT = "portal.document-link"
_MODELS: dict[str, type[Invoice] | type[Estimate]] = {"invoice": Invoice, "estimate": Estimate}
#: The portal area of each kind: the recipient must still be allowed to use it.
AREAS = {"invoice": "invoices", "estimate": "estimates"}


class LinkGone(DomainError):
    """The link was revoked, has expired, was changed, or no longer fits its document or its
    recipient (410). ``link`` is the row when the token was genuine (for the page's language)."""

    status = 410

    def __init__(self, link: DocumentLink | None, reason: str) -> None:
        super().__init__(_("Link no longer valid"), code=f"link_{reason}")
        self.link = link
        self.reason = reason


def kind_of(document: Invoice | Estimate) -> str:
    return "estimate" if isinstance(document, Estimate) else "invoice"


# -- tokens -----------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(
        current_app.config["SECRET_KEY"],
        salt=SALT,
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def _payload(link: DocumentLink) -> list[Any]:
    return [link.id, link.document_kind[0], link.document_id]


def token_for(link: DocumentLink) -> str:
    """The signed token of ``link``: its id and its document, nothing secret."""
    return str(_serializer().dumps(_payload(link)))


def link_url(link: DocumentLink) -> str:
    """The absolute address for an email (``PORTAL_BASE_URL/d/<token>``; the path is fixed by
    SPEC section 11, and the CLI's reminders have no request to build it from)."""
    return current_app.config["BASE_URL"].rstrip("/") + f"/d/{token_for(link)}"


def find(token: str) -> DocumentLink | None:
    """The row ``token`` names, whether the link still works or not; ``None`` when the token
    is forged or changed in any character."""
    serializer = _serializer()
    try:
        payload = serializer.loads(token)
    except BadSignature:
        return None
    # One value has several spellings (the last base64 character carries spare bits, and the
    # decoder skips characters outside its alphabet, "é" included): only the one we made counts.
    if not hmac.compare_digest(str(serializer.dumps(payload)).encode(), token.encode()):
        return None
    if not isinstance(payload, list) or len(payload) != 3 or not isinstance(payload[0], int):
        return None
    link = db.session.get(DocumentLink, payload[0])
    if link is None or _payload(link) != payload:
        return None
    return link


# -- the link's life --------------------------------------------------------------------------


def create_link(
    document: Invoice | Estimate, contact: Contact, now: datetime | None = None
) -> DocumentLink:
    """A new link to ``document`` for ``contact`` (flushed); valid for
    ``PORTAL_DOCUMENT_LINK_DAYS`` days. Only a numbered (issued or sent) document has links."""
    if not document.number:
        raise ValueError("a draft has no link: issue or send the document first")
    now = now or utcnow()
    link = DocumentLink(
        document_kind=kind_of(document),
        document_id=document.id,
        document_number=document.number,
        customer_id=document.customer_id,
        contact=contact,
        recipient_email=contact.email,
        created_at=now,
        expires_at=now + timedelta(days=int(current_app.config["DOCUMENT_LINK_DAYS"])),
        open_count=0,
    )
    db.session.add(link)
    db.session.flush()
    return link


def status(link: DocumentLink, now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def _recipient_may_use(link: DocumentLink) -> bool:
    contact = link.contact
    return (
        contact is not None
        and contact.is_active
        and contact.customer_id == link.customer_id
        and contact.customer.is_active
        and contact.email == link.recipient_email
        and contact.may(AREAS[link.document_kind])
    )


def resolve(token: str, now: datetime | None = None) -> tuple[DocumentLink, Invoice | Estimate]:
    """The link ``token`` names and its document, or :class:`LinkGone`."""
    link = find(token)
    if link is None:
        raise LinkGone(None, "invalid")
    state = status(link, now)
    if state != "active":
        raise LinkGone(link, state)
    document = db.session.get(_MODELS[link.document_kind], link.document_id)
    if (
        document is None
        or document.number != link.document_number
        or document.customer_id != link.customer_id
    ):
        raise LinkGone(link, "document")
    if not _recipient_may_use(link):
        raise LinkGone(link, "recipient")
    return link, document


def document_for(
    link: DocumentLink, document: Invoice | Estimate, kind: str, document_id: int
) -> Invoice | Estimate:
    """``document`` (the link's own) when ``kind`` and ``document_id`` name it; any other
    document through this link is :class:`NotFound`."""
    if kind != link.document_kind or document_id != link.document_id:
        raise NotFound(_("Page not found"))
    return document


def locale_for(link: DocumentLink) -> str:
    """The language of the link's pages: its recipient's, else its customer's."""
    if link.contact is not None:
        return locale_of(link.contact)
    return locale_of(db.session.get(Customer, link.customer_id))


def record_open(link: DocumentLink, now: datetime | None = None) -> None:
    """Counts one opening (a plain UPDATE: not audited, no version)."""
    db.session.execute(
        update(DocumentLink)
        .where(DocumentLink.id == link.id)
        .values(open_count=DocumentLink.open_count + 1, last_opened_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def answer_estimate(
    link: DocumentLink, estimate: Estimate, accept: bool, text: str | None
) -> Estimate:
    """Accepts (``text`` is the typed name) or declines (``text`` is the reason) the link's
    estimate through the estimates service, with the link's recipient as the actor, so the
    audit log records who answered and the name typed."""
    # Imported here: the estimates service imports this package's life cycle module, which
    # queues the emails that create links.
    from portal.services.billing import estimates

    contact = link.contact
    if contact is None or link.document_kind != "estimate" or estimate.id != link.document_id:
        raise NotFound(_("Page not found"))
    with acting_as(actor_for(contact)):
        if accept:
            return estimates.accept_estimate(estimate, text, contact=contact)
        return estimates.decline_estimate(estimate, text, contact=contact)


# -- staff ------------------------------------------------------------------------------------


def sent_links(document: Invoice | Estimate) -> list[tuple[DocumentLink, str]]:
    """The links sent for ``document``, newest first, each with its :func:`status`."""
    stmt = (
        select(DocumentLink)
        .where(
            DocumentLink.document_kind == kind_of(document),
            DocumentLink.document_id == document.id,
        )
        .options(selectinload(DocumentLink.contact), selectinload(DocumentLink.revoked_by))
        .order_by(DocumentLink.created_at.desc(), DocumentLink.id.desc())
    )
    now = utcnow()
    return [(link, status(link, now)) for link in db.session.scalars(stmt)]


def link_of(document: Invoice | Estimate, link_id: int) -> DocumentLink:
    """The link ``link_id`` of ``document``; a link of another document is :class:`NotFound`."""
    link = db.session.get(DocumentLink, link_id)
    if link is None or link.document_kind != kind_of(document) or link.document_id != document.id:
        raise NotFound(_("Page not found"))
    return link


def revoke(link: DocumentLink, staff: Staff) -> DocumentLink:
    """Ends ``link`` now (audited with ``staff`` as the actor); revoking twice changes nothing."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        link.revoked_by = staff
        db.session.flush()
    return link
