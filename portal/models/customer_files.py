"""Files and links on a customer: an uploaded file (stored like a ticket attachment, under a
random name outside any static folder) or a web link, each with a title and an optional
description. ``visible_to_contacts`` puts it on the portal's Documents page for the contacts
of that customer who have the ``documents`` permission. See
:mod:`portal.services.customers.files`.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin
from portal.models.billing import in_clause
from portal.models.staff import Staff

#: A row is an uploaded ``file`` or a web ``link``.
CUSTOMER_FILE_KINDS = ("file", "link")


class CustomerFile(TimestampMixin, db.Model):
    __tablename__ = "customer_files"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(in_clause("kind", CUSTOMER_FILE_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'file' AND stored_name IS NOT NULL AND url IS NULL)"
            " OR (kind = 'link' AND url IS NOT NULL AND stored_name IS NULL)",
            name="file_or_link",
        ),
        Index("ix_customer_files_customer_created", "customer_id", "created_at"),
        # Ids are never used again (a bookmarked download of a deleted file opens nothing).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    visible_to_contacts: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A link's address (``http`` or ``https`` only).
    url: Mapped[str | None] = mapped_column(String(2000))
    #: A file's name as uploaded (cleaned), its random name under ``PORTAL_UPLOAD_DIR``, the
    #: content type we chose from its checked extension and its size in bytes.
    original_name: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    #: The staff member who added it (empty once that member is deleted).
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )

    staff: Mapped[Staff | None] = relationship()

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def __repr__(self) -> str:
        return f"<CustomerFile {self.id} {self.kind}>"


__all__ = ["CUSTOMER_FILE_KINDS", "CustomerFile"]
