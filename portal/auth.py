"""One user loader for staff and contacts, and the guards the blueprints use.

Sessions are per device (:mod:`portal.services.identity.sessions`): signing in records a
session row and keeps its random secret as Flask-Login's user id (``session["_user_id"]``; the
row stores only its hash). The loader admits a request only while that row is active and its
account may sign in, so signing out in one browser ends that browser's session alone, and a
copy of its cookie is dead from then on.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, request, session
from flask_login import current_user, login_user, logout_user

from portal.extensions import db, login_manager
from portal.models import Contact, Staff, UserSession
from portal.models.database import begin_write
from portal.models.permissions import check
from portal.services.identity import sessions

F = TypeVar("F", bound=Callable[..., Any])

#: ``g`` keys: the account and secret being signed in (for ``get_id``), and the request's
#: session as ``(secret, row)``.
_SIGNING_IN = "_portal_signing_in"
_CURRENT = "_portal_session"


def _get_id(self: Staff | Contact) -> str:
    """Flask-Login's user id: the secret of this browser's session."""
    pending = g.get(_SIGNING_IN)
    if pending is not None and pending[0] is self:
        return str(pending[1])
    record = current_session()
    if record is None or not sessions.belongs_to(record, self):
        raise RuntimeError("this account has no session in this request")
    return str(session["_user_id"])


def _install_user_mixin() -> None:
    for model in (Staff, Contact):
        model.get_id = _get_id  # type: ignore[attr-defined]
        model.is_authenticated = property(lambda self: True)  # type: ignore[attr-defined]
        model.is_anonymous = property(lambda self: False)  # type: ignore[attr-defined]
    Staff.kind = "staff"  # type: ignore[attr-defined]
    Contact.kind = "contact"  # type: ignore[attr-defined]


_install_user_mixin()


def _touch(record_id: int) -> None:
    """Writes the session's ``last_seen_at`` in a short transaction of its own (at most once a
    minute, see ``sessions.TOUCH_INTERVAL``), as the API does for its tokens; skipped (done on a
    later request) when this request's transaction holds changes already."""
    s = db.session
    if s.new or s.dirty or s.deleted or s.info.get("flushed"):
        return
    s.rollback()
    begin_write(s)
    sessions.touch(record_id)
    s.commit()


@login_manager.user_loader
def load_user(user_id: str) -> Staff | Contact | None:
    g.pop(_CURRENT, None)
    record = sessions.find_active(user_id)
    if record is None:
        return None
    user = sessions.account_of(record)
    if user is None or not user.is_active:
        return None
    if isinstance(user, Contact) and not user.customer.is_active:
        return None
    if sessions.needs_touch(record):
        _touch(record.id)
    g.setdefault(_CURRENT, (user_id, record))
    return user


def current_session() -> UserSession | None:
    """The session row of this browser, while it is signed in."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    secret = session.get("_user_id")
    cached = g.get(_CURRENT)
    if cached is not None and cached[0] == secret:
        return cached[1]  # type: ignore[no-any-return]
    record = sessions.find_active(secret) if isinstance(secret, str) else None
    if record is not None:
        g.setdefault(_CURRENT, (secret, record))
    return record


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
    identifier) is discarded, so a session fixed by an attacker before login is worthless; a
    session row is recorded for this browser and the one it replaces, if any, ends (the caller
    commits)."""
    replaced = current_session()
    if replaced is not None:
        sessions.end(replaced)
    session.clear()
    g.pop(_CURRENT, None)
    secret = sessions.start(user, request.user_agent.string, request.remote_addr)
    session["sid"] = secrets.token_urlsafe(24)
    g.setdefault(_SIGNING_IN, (user, secret))
    try:
        login_user(user)
    finally:
        g.pop(_SIGNING_IN, None)


def renew_session() -> None:
    """Keeps this browser signed in under a new secret (after a password or two-factor change
    made here, which ended the account's other sessions): a copy of the old cookie is dead."""
    record = current_session()
    if record is None:
        return
    secret = sessions.renew(record)
    session["_user_id"] = secret
    g.pop(_CURRENT, None)
    g.setdefault(_CURRENT, (secret, record))


def end_session() -> None:
    """Signs this browser out: ends its session row only (the caller commits)."""
    record = current_session()
    if record is not None:
        sessions.end(record)
    logout_user()
    session.clear()
    g.pop(_CURRENT, None)
