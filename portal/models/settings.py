"""Company settings as key/value rows (typed access in :mod:`portal.services.platform.settings`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import TimestampMixin


class Setting(TimestampMixin, db.Model):
    __tablename__ = "settings"
    __audited__ = True

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
