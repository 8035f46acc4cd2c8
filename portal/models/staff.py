"""Staff members, roles and their permissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime
from portal.models.permissions import ALL_PERMISSIONS, check

ADMINISTRATOR = "Administrator"


class RolePermission(db.Model):
    __tablename__ = "role_permissions"

    role_id: Mapped[int] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(40), primary_key=True)


class Role(TimestampMixin, db.Model):
    __tablename__ = "roles"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    #: The built-in Administrator role: has every permission, cannot be removed or edited.
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    permission_rows: Mapped[list[RolePermission]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    @property
    def permissions(self) -> frozenset[str]:
        if self.is_builtin and self.name == ADMINISTRATOR:
            return ALL_PERMISSIONS
        return frozenset(r.permission for r in self.permission_rows)

    def set_permissions(self, names: set[str] | frozenset[str] | list[str]) -> None:
        wanted = {check(n) for n in names}
        current = {r.permission: r for r in self.permission_rows}
        for name, row in current.items():
            if name not in wanted:
                self.permission_rows.remove(row)
        for name in sorted(wanted - current.keys()):
            self.permission_rows.append(RolePermission(permission=name))

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


class Staff(TimestampMixin, db.Model):
    __tablename__ = "staff"
    __audited__ = True
    __audit_exclude__ = frozenset(
        {"password_hash", "totp_secret", "recovery_codes", "session_version", "reset_generation"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Counts the reset links sent; a link names the count it was made with, so only the
    #: newest one works (see :mod:`portal.services.identity.tokens`).
    reset_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: Hashes of unused two-factor recovery codes, space separated.
    recovery_codes: Mapped[str | None] = mapped_column(String(1024))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    role: Mapped[Role] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Staff {self.email}>"

    def has_permission(self, name: str) -> bool:
        return check(name) in self.role.permissions

    @property
    def is_administrator(self) -> bool:
        return self.role.is_builtin and self.role.name == ADMINISTRATOR
