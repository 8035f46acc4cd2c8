"""The registry of staff permissions: areas times capabilities (SPEC section 6).

A permission is named ``"<area>.<capability>"``; naming one that does not exist raises, so a typo
in a decorator fails at import time instead of silently opening or closing a page.
"""

from __future__ import annotations

AREAS: tuple[str, ...] = (
    "customers",
    "invoices",
    "estimates",
    "payments",
    "tickets",
    "settings",
    "staff",
    "api",
)
CAPABILITIES: tuple[str, ...] = ("view", "view_own", "create", "edit", "delete")
ALL_PERMISSIONS: frozenset[str] = frozenset(f"{a}.{c}" for a in AREAS for c in CAPABILITIES)


class UnknownPermission(ValueError):
    pass


def check(name: str) -> str:
    """Returns ``name`` if it is a known permission, else raises :class:`UnknownPermission`."""
    if name not in ALL_PERMISSIONS:
        raise UnknownPermission(name)
    return name
