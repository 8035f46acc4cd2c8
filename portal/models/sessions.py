"""Signed-in sessions, one row per sign-in (per browser), for staff and contacts.

The browser's session cookie carries a random secret; the row keeps only its SHA-256
(``token_hash``), so a copy of the table signs nobody in. A session is active while
``ended_at`` is empty (see :mod:`portal.services.identity.sessions`): signing out ends the
row of that browser only; a password change, deactivation or two-factor change ends the
account's other rows (or all of them). Rows live in the database, so every app host sees the
same sessions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.billing import in_clause

ACCOUNT_KINDS = ("staff", "contact")


class UserSession(db.Model):
    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint(in_clause("account_kind", ACCOUNT_KINDS), name="account_kind"),
        Index("ix_user_sessions_account", "account_kind", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the secret the session cookie carries; the secret is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``staff`` or ``contact``; with ``account_id`` names the account (no foreign key: two
    #: tables; a row outliving its account never signs anyone in, see the service).
    account_kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[int] = mapped_column(Integer)
    #: The browser's ``User-Agent`` header, trimmed.
    user_agent: Mapped[str | None] = mapped_column(String(255))
    #: A short readable description from the user agent ("Firefox on Windows").
    device: Mapped[str] = mapped_column(String(80))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Written at most once a minute per session, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Empty while the session is active.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def __repr__(self) -> str:
        return f"<UserSession {self.id} {self.account_kind}:{self.account_id}>"


__all__ = ["ACCOUNT_KINDS", "UserSession"]
