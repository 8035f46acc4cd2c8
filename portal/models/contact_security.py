"""Two-factor recovery codes of portal contacts (one row per unused code, stored hashed).

The TOTP secret itself lives on :class:`~portal.models.Contact` (``totp_secret``). A code is
spent by deleting its row with a conditional ``DELETE``, so two concurrent sign-ins cannot both
use the same code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class ContactRecoveryCode(db.Model):
    __tablename__ = "contact_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the normalised code (the codes carry 50 random bits each).
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ = ["ContactRecoveryCode"]
