"""Activities on a customer (tasks, calls, meetings, emails, notes) and the staff members'
calendar feed tokens.

An activity is *open* (planned) until ``done_at`` is set; it is overdue when it is open and
``due_at`` lies before now (UTC). ``reminded_at`` records the one reminder email sent to its
assignee when it fell due. See :mod:`portal.services.customers.activities`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow
from portal.models.billing import in_clause
from portal.models.customers import Contact, Customer
from portal.models.staff import Staff

#: The kinds of activity, in the order the forms offer them.
ACTIVITY_KINDS = ("task", "call", "meeting", "email", "note")


class Activity(TimestampMixin, db.Model):
    __tablename__ = "activities"
    __audited__ = True
    __audit_exclude__ = frozenset({"reminded_at"})
    __table_args__ = (
        CheckConstraint(in_clause("kind", ACTIVITY_KINDS), name="kind"),
        Index("ix_activities_customer_due", "customer_id", "due_at"),
        Index("ix_activities_assignee_due", "assigned_to", "due_at"),
        Index("ix_activities_due_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: The contact it is about (of the same customer), if any; empty once the contact is deleted.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    #: When it is due (UTC); an activity without one is never overdue and not in the feed.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The staff member it is assigned to (an active one when assigned).
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    #: When the reminder email went to the assignee (sent once; cleared when the due time moves).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assigned_to])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, now: datetime) -> bool:
        """Open and due before ``now`` (an aware datetime; compared in UTC)."""
        return self.done_at is None and self.due_at is not None and self.due_at < now

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.kind}>"


class CalendarToken(db.Model):
    """A staff member's secret for the iCalendar feed; only its SHA-256 is stored. One per
    member: a new one replaces the old, revoking deletes the row."""

    __tablename__ = "calendar_tokens"
    __audited__ = True
    __audit_exclude__ = frozenset({"token_hash"})

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff: Mapped[Staff] = relationship()


__all__ = ["ACTIVITY_KINDS", "Activity", "CalendarToken"]
