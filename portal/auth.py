"""One user loader for staff and contacts, and the guards the blueprints use.

Session ids are ``"staff:<id>:<session_version>"`` or ``"contact:<id>:<session_version>"``: a
bumped ``session_version`` (logout, password change, deactivation) ends every older session.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, session
from flask_login import current_user, login_user, logout_user

from portal.extensions import db, login_manager
from portal.models import Contact, Staff
from portal.models.permissions import check

F = TypeVar("F", bound=Callable[..., Any])


def _get_id(self: Staff | Contact) -> str:
    kind = "staff" if isinstance(self, Staff) else "contact"
    return f"{kind}:{self.id}:{self.session_version}"


def _install_user_mixin() -> None:
    for model in (Staff, Contact):
        model.get_id = _get_id  # type: ignore[attr-defined]
        model.is_authenticated = property(lambda self: True)  # type: ignore[attr-defined]
        model.is_anonymous = property(lambda self: False)  # type: ignore[attr-defined]
    Staff.kind = "staff"  # type: ignore[attr-defined]
    Contact.kind = "contact"  # type: ignore[attr-defined]


_install_user_mixin()


@login_manager.user_loader
def load_user(user_id: str) -> Staff | Contact | None:
    try:
        kind, raw_id, raw_version = user_id.split(":")
        pk, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    model = {"staff": Staff, "contact": Contact}.get(kind)
    if model is None:
        return None
    user = db.session.get(model, pk)
    if user is None or user.session_version != version or not user.is_active:
        return None
    if isinstance(user, Contact) and not user.customer.is_active:
        return None
    return user


def is_staff(user: Any = None) -> bool:
    user = current_user if user is None else user
    return bool(getattr(user, "is_authenticated", False)) and isinstance(
        getattr(user, "_get_current_object", lambda: user)(), Staff
    )


def is_contact(user: Any = None) -> bool:
    user = current_user if user is None else user
    return bool(getattr(user, "is_authenticated", False)) and isinstance(
        getattr(user, "_get_current_object", lambda: user)(), Contact
    )


def permission_required(*names: str) -> Callable[[F], F]:
    """Admin views: ``@permission_required("customers.edit")``; with several names, any one of
    them admits (``"customers.view", "customers.view_own"``; the view then narrows its queries
    with :mod:`portal.services.access.staff`). Unknown names raise at import."""
    if not names:
        raise ValueError("permission_required needs at least one permission")
    for name in names:
        check(name)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not is_staff() or not any(current_user.has_permission(n) for n in names):
                abort(403)
            return view(*args, **kwargs)

        # Stacked decorators all apply; ``permission_groups`` lists them (each one any-of).
        inner = getattr(view, "permission_groups", ())
        wrapped.permission = names  # type: ignore[attr-defined]
        wrapped.permission_groups = (names, *inner)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def staff_required(view: F) -> F:
    """For the few admin pages every signed-in staff member may open (dashboard, own account):
    marks the view as deliberately open to all staff, so the test that walks ``url_map`` can
    tell it from a view that forgot its ``permission_required``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_staff():
            abort(403)
        return view(*args, **kwargs)

    wrapped.permission = ()  # type: ignore[attr-defined]
    wrapped.permission_groups = getattr(view, "permission_groups", ())  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def start_session(user: Staff | Contact) -> None:
    """Signs ``user`` in with a fresh session: whatever the pre-login session held (and its
    identifier) is discarded, so a session fixed by an attacker before login is worthless."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    login_user(user)


def end_session(user: Staff | Contact) -> None:
    """Signs out and ends every session of ``user`` (the caller commits)."""
    user.session_version += 1
    logout_user()
    session.clear()
