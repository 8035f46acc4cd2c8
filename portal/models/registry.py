"""Business registry look-ups: the shared cache of answers and the reports of differences.

``registry_answers`` holds what VIES, the Finnish PRH and the Norwegian Brønnøysund register
answered for a number (found or not found; failures are never kept), for a day, so that every
app host and the ``flask registry refresh`` job share one cache. ``registry_reports`` holds the
last check of each customer: the fields where our data and the registry's differ and what the
registry said about the company, shown to staff on the card and in a list. See
:mod:`portal.services.customers.registry`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.billing import in_clause

REGISTRY_SOURCES = ("vies", "prh", "brreg")
REPORT_OUTCOMES = ("same", "differs", "problem", "unavailable", "nothing")


class RegistryAnswer(db.Model):
    """One registry's answer for one number (``source``, ``lookup_key``)."""

    __tablename__ = "registry_answers"
    __table_args__ = (CheckConstraint(in_clause("source", REGISTRY_SOURCES), name="source"),)

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The number as sent: ``FI20774740`` (VIES), ``2077474-0`` (PRH), ``923609016`` (Brreg).
    lookup_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Whether the registry knows the number (for VIES: whether the VAT number is valid).
    found: Mapped[bool] = mapped_column(Boolean)
    #: The parsed answer (:class:`portal.services.customers.registry.Record` as JSON).
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RegistryReport(db.Model):
    """The last registry check of a customer (replaced by the next one; never applied)."""

    __tablename__ = "registry_reports"
    __table_args__ = (
        CheckConstraint(in_clause("outcome", REPORT_OUTCOMES), name="outcome"),
        Index("ix_registry_reports_outcome_checked", "outcome", "checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), unique=True
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    #: ``[{"field": ..., "ours": ..., "registry": ...}]``: only the fields that differ.
    differences: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: What the registries said: ``[{"code": "ceased", "source": "brreg", "date": ...}]``.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


__all__ = ["REGISTRY_SOURCES", "REPORT_OUTCOMES", "RegistryAnswer", "RegistryReport"]
