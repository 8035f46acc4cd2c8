"""Customers (companies), their contacts, addresses, groups, notes; currencies and taxes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Percent, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.classifications import (
        ContactKeyword,
        CustomerProfile,
        Industry,
        MarketSegment,
    )
    from portal.models.staff import Staff

CONTACT_PERMISSIONS = ("invoices", "estimates", "tickets", "company", "documents")

customer_group_members = Table(
    "customer_group_members",
    db.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "group_id",
        ForeignKey("customer_groups.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

#: Staff assigned to a customer as its "customer admins" (drives the ``view_own`` capability).
customer_admins = Table(
    "customer_admins",
    db.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Currency(TimestampMixin, db.Model):
    __tablename__ = "currencies"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_currencies_one_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
        CheckConstraint("decimal_places BETWEEN 0 AND 4", name="decimal_places_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    symbol: Mapped[str] = mapped_column(String(8))
    decimal_places: Mapped[int] = mapped_column(Integer, default=2)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<Currency {self.code}>"


class CustomerGroup(TimestampMixin, db.Model):
    __tablename__ = "customer_groups"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class TaxRate(TimestampMixin, db.Model):
    __tablename__ = "tax_rates"
    __audited__ = True
    __table_args__ = (CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    percent: Mapped[Decimal] = mapped_column(Percent)


class TaxClass(TimestampMixin, db.Model):
    __tablename__ = "tax_classes"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    default_tax_rate_id: Mapped[int | None] = mapped_column(
        ForeignKey("tax_rates.id", ondelete="RESTRICT")
    )
    default_tax_rate: Mapped[TaxRate | None] = relationship()


class Customer(TimestampMixin, db.Model):
    __tablename__ = "customers"
    __audited__ = True
    __table_args__ = (
        Index("ix_customers_company_name_lower", func.lower(Column("company_name"))),
        Index("ix_customers_billing_city", "billing_city"),
        Index("ix_customers_billing_country", "billing_country"),
        Index("ix_customers_active_name", "is_active", "company_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    company_name: Mapped[str] = mapped_column(String(255), index=True)
    vat_number: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The national business id (FI y-tunnus, NO organisasjonsnummer, SE organisationsnummer,
    #: DK CVR ...), checked by the billing country's rules.
    business_id: Mapped[str | None] = mapped_column(String(32), index=True)
    #: The last VAT check in a registry (VIES, or Brønnøysund's VAT register for NO numbers):
    #: when, and whether the number was valid. Cleared when the VAT number changes.
    vat_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    vat_valid: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(255))
    #: The company's general email address (contacts have their own).
    email: Mapped[str | None] = mapped_column(String(254))
    #: The finance system's own key for the customer (``PUT /customers/by-external-id/...``).
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    billing_street: Mapped[str | None] = mapped_column(String(255))
    billing_city: Mapped[str | None] = mapped_column(String(120))
    billing_zip: Mapped[str | None] = mapped_column(String(32))
    billing_state: Mapped[str | None] = mapped_column(String(120))
    billing_country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2

    shipping_street: Mapped[str | None] = mapped_column(String(255))
    shipping_city: Mapped[str | None] = mapped_column(String(120))
    shipping_zip: Mapped[str | None] = mapped_column(String(32))
    shipping_state: Mapped[str | None] = mapped_column(String(120))
    shipping_country: Mapped[str | None] = mapped_column(String(2))

    currency_id: Mapped[int] = mapped_column(ForeignKey("currencies.id", ondelete="RESTRICT"))
    language: Mapped[str | None] = mapped_column(String(8))
    tax_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("tax_classes.id", ondelete="SET NULL")
    )
    remarks: Mapped[str | None] = mapped_column(Text)
    #: Labels of the custom fields invoices of this customer carry (e.g. "PO number").
    invoice_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    currency: Mapped[Currency] = relationship(lazy="joined")
    tax_class: Mapped[TaxClass | None] = relationship()
    #: Account owner, industry and market segment (a row only once one is set).
    profile: Mapped[CustomerProfile | None] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True
    )
    groups: Mapped[list[CustomerGroup]] = relationship(
        secondary=customer_group_members, order_by=CustomerGroup.name
    )
    admins: Mapped[list[Staff]] = relationship(secondary=customer_admins)
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Contact.is_primary.desc(), Contact.last_name, Contact.first_name)",
    )
    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Customer {self.number} {self.company_name!r}>"

    @property
    def primary_contact(self) -> Contact | None:
        return next((c for c in self.contacts if c.is_primary), None)

    @property
    def account_owner(self) -> Staff | None:
        return self.profile.account_owner if self.profile else None

    @property
    def industry(self) -> Industry | None:
        return self.profile.industry if self.profile else None

    @property
    def market_segment(self) -> MarketSegment | None:
        return self.profile.market_segment if self.profile else None

    def billing_address(self) -> dict[str, str | None]:
        return {
            "company_name": self.company_name,
            "street": self.billing_street,
            "zip": self.billing_zip,
            "city": self.billing_city,
            "state": self.billing_state,
            "country": self.billing_country,
            "vat_number": self.vat_number,
        }


class CustomerAddress(TimestampMixin, db.Model):
    """An additional address (office, warehouse...); at most one is the headquarters."""

    __tablename__ = "customer_addresses"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_customer_addresses_one_headquarters",
            "customer_id",
            unique=True,
            sqlite_where=text("is_headquarters"),
            postgresql_where=text("is_headquarters"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120))
    street: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(120))
    zip: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    is_headquarters: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class Contact(TimestampMixin, db.Model):
    __tablename__ = "contacts"
    __audited__ = True
    __audit_exclude__ = frozenset(
        {"password_hash", "totp_secret", "session_version", "reset_generation"}
    )
    __table_args__ = (
        Index(
            "uq_contacts_one_primary",
            "customer_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
        Index("ix_contacts_name", "last_name", "first_name"),
        Index("ix_contacts_first_name", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    #: Stored lower-cased; unique among contacts; the portal login.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    mobile: Mapped[str | None] = mapped_column(String(64))
    fax: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[str | None] = mapped_column(String(120))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Empty means "the customer's language".
    language: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    can_invoices: Mapped[bool] = mapped_column(Boolean, default=True)
    can_estimates: Mapped[bool] = mapped_column(Boolean, default=True)
    can_tickets: Mapped[bool] = mapped_column(Boolean, default=True)
    can_company: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The portal's Documents page (the customer's files and links marked visible).
    can_documents: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Bumped on password and two-factor changes; part of the signed links' material (the
    #: sessions themselves are rows of :class:`~portal.models.sessions.UserSession`).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Counts the reset links sent; only the newest one works.
    reset_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship(back_populates="contacts")
    keywords: Mapped[list[ContactKeyword]] = relationship(
        secondary="contact_keyword_links", order_by="ContactKeyword.name"
    )

    def __repr__(self) -> str:
        return f"<Contact {self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def permissions(self) -> list[str]:
        """The portal areas this contact may use; the primary contact may use all."""
        if self.is_primary:
            return list(CONTACT_PERMISSIONS)
        return [p for p in CONTACT_PERMISSIONS if getattr(self, f"can_{p}")]

    @permissions.setter
    def permissions(self, values: Any) -> None:
        wanted = set(values or ())
        unknown = wanted - set(CONTACT_PERMISSIONS)
        if unknown:
            raise ValueError(f"unknown contact permissions: {sorted(unknown)}")
        for p in CONTACT_PERMISSIONS:
            setattr(self, f"can_{p}", p in wanted)

    def may(self, permission: str) -> bool:
        if permission not in CONTACT_PERMISSIONS:
            raise ValueError(f"unknown contact permission {permission!r}")
        return permission in self.permissions


class Note(TimestampMixin, db.Model):
    """An internal note on a customer, shown newest first; never visible to contacts."""

    __tablename__ = "notes"
    __audited__ = True
    __table_args__ = (Index("ix_notes_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    staff: Mapped[Staff | None] = relationship()


__all__ = [
    "CONTACT_PERMISSIONS",
    "Contact",
    "Currency",
    "Customer",
    "CustomerAddress",
    "CustomerGroup",
    "Note",
    "TaxClass",
    "TaxRate",
    "customer_admins",
    "customer_group_members",
    "utcnow",
]
