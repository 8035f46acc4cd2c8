"""The audit log: one row per create, update and delete of an audited model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_customer_created", "customer_id", "created_at"),
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: ``staff:3``, ``contact:12``, ``api:2`` or ``system``.
    actor: Mapped[str] = mapped_column(String(64))
    #: The actor's display name at the time (survives the actor's deletion).
    actor_name: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))  # create | update | delete
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    #: The customer the change belongs to, for the customer card's activity feed.
    customer_id: Mapped[int | None] = mapped_column(Integer)
    #: ``{field: [old, new]}`` (create: ``[None, new]``; delete: ``[old, None]``).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
