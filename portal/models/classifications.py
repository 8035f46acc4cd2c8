"""How customers and contacts are classified: the account owner, industry and market segment
of a customer (``customer_profiles``, with the two lists kept in Setup), and the contacts'
keywords and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin

if TYPE_CHECKING:
    from portal.models.customers import Customer
    from portal.models.staff import Staff

#: A contact's keywords (roles such as "newsletter" or "decision maker").
contact_keyword_links = Table(
    "contact_keyword_links",
    db.metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "keyword_id",
        ForeignKey("contact_keywords.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Industry(TimestampMixin, db.Model):
    """A customer's industry; the list is kept in Setup."""

    __tablename__ = "industries"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class MarketSegment(TimestampMixin, db.Model):
    """A customer's market segment; the list is kept in Setup."""

    __tablename__ = "market_segments"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class ContactKeyword(db.Model):
    """A keyword or role of contacts, stored normalised (trimmed, single spaces, lower case)."""

    __tablename__ = "contact_keywords"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class CustomerProfile(TimestampMixin, db.Model):
    """Who looks after a customer and how it is classified: the account owner (one staff
    member; the "customer admins" of ``view_own`` are separate), industry and market segment.
    A table of its own, one row per customer, so the foreign keys are real constraints on
    SQLite too (which cannot add one to ``customers`` in place)."""

    __tablename__ = "customer_profiles"
    __audited__ = True

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    account_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    industry_id: Mapped[int | None] = mapped_column(
        ForeignKey("industries.id", ondelete="RESTRICT"), index=True
    )
    market_segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("market_segments.id", ondelete="RESTRICT"), index=True
    )

    customer: Mapped[Customer] = relationship(back_populates="profile")
    # Joined: whoever reads the profile shows the names.
    account_owner: Mapped[Staff | None] = relationship(lazy="joined")
    industry: Mapped[Industry | None] = relationship(lazy="joined")
    market_segment: Mapped[MarketSegment | None] = relationship(lazy="joined")


__all__ = [
    "ContactKeyword",
    "CustomerProfile",
    "Industry",
    "MarketSegment",
    "contact_keyword_links",
]
