"""Document links: one row per link sent in an email about an invoice or an estimate.

The link's token (``/d/<token>``) is signed and names this row; the row decides whether the
link still works (not revoked, not expired, its document still the one it was sent for) and
to whom it was sent (the page is in that contact's language). See
:mod:`portal.services.billing.document_links`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.billing import in_clause
from portal.models.customers import Contact
from portal.models.staff import Staff

#: What a link can show: an invoice (a credit note is an invoice too) or an estimate.
DOCUMENT_LINK_KINDS = ("invoice", "estimate")


class DocumentLink(db.Model):
    __tablename__ = "document_links"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(in_clause("document_kind", DOCUMENT_LINK_KINDS), name="document_kind"),
        Index("ix_document_links_document", "document_kind", "document_id"),
        # Ids are never used again (SQLite would reuse the largest id after a delete), so a
        # token of a deleted row can never name a newer one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``invoice`` or ``estimate``; with ``document_id`` names the document (two tables, so no
    #: foreign key; the service checks the document still exists).
    document_kind: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(Integer)
    #: The document's number when the link was sent: the link opens the document only while
    #: it still has this number (an issued document's lines and totals no longer change).
    document_number: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    #: The contact the email went to (the page is in its language); empty once deleted.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    #: The address the email went to.
    recipient_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    #: Written with a plain UPDATE (not audited) each time the page is opened.
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    open_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    contact: Mapped[Contact | None] = relationship()
    revoked_by: Mapped[Staff | None] = relationship()

    def __repr__(self) -> str:
        return f"<DocumentLink {self.id} {self.document_kind}:{self.document_id}>"


__all__ = ["DOCUMENT_LINK_KINDS", "DocumentLink"]
