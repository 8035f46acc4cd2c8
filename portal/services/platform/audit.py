"""Who is acting, and the audit log written automatically on every flush.

Every model with ``__audited__ = True`` gets an :class:`~portal.models.AuditLog` row for each
insert, update and delete, with the actor and ``{field: [old, new]}``. The rows are written by a
``after_flush`` listener in the same transaction, so an audit record exists exactly when the
change does. The actor comes from :func:`acting_as` (a context manager used by the request guards,
API token auth and CLI commands); without one, the actor is ``system``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.models.audit import AuditLog
from portal.models.base import utcnow
from portal.models.database import listen_once


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | contact | api | system
    id: int | None
    name: str

    @property
    def ref(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


SYSTEM = Actor("system", None, "System")
_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("portal_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


def set_actor(actor: Actor) -> contextvars.Token[Actor]:
    return _actor.set(actor)


def reset_actor(token: contextvars.Token[Actor]) -> None:
    _actor.reset(token)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def actor_for(user: Any) -> Actor:
    """The actor for a staff member, contact or API token model instance."""
    kind = {"Staff": "staff", "Contact": "contact", "ApiToken": "api"}[type(user).__name__]
    name = getattr(user, "name", None) or getattr(user, "full_name", None) or str(user.id)
    return Actor(kind, user.id, name)


# -- the flush listener ---------------------------------------------------------------------

_SKIP = frozenset({"created_at", "updated_at", "created_by", "updated_by", "version"})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _audited(obj: Any) -> bool:
    return bool(getattr(type(obj), "__audited__", False))


def _customer_id(obj: Any) -> int | None:
    if type(obj).__name__ == "Customer":
        return obj.id
    customer_id = getattr(obj, "customer_id", None)
    if customer_id is None and type(obj).__name__ == "TicketMessage" and obj.ticket is not None:
        customer_id = obj.ticket.customer_id
    return customer_id


def _changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    exclude = _SKIP | getattr(type(obj), "__audit_exclude__", frozenset())
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in exclude:
            continue
        if action == "create":
            value = getattr(obj, key)
            if value is not None and key != "id":
                changes[key] = [None, _plain(value)]
        elif action == "delete":
            value = state.committed_state.get(key, state.dict.get(key))
            if value is not None and key != "id":
                changes[key] = [_plain(value), None]
        else:
            hist = state.attrs[key].history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if old != new:
                    changes[key] = [_plain(old), _plain(new)]
    hidden = [k for k in getattr(type(obj), "__audit_exclude__", ()) if k in state.dict]
    if action == "update":
        for key in hidden:
            if state.attrs[key].history.has_changes():
                changes[key] = ["***", "***"]
    return changes


def _load_unknown_old_values(session: Session) -> None:
    """Loads the stored values of attributes that were set on an expired (unloaded) audited
    instance, so the log gets ``[old, new]`` and a value set to what it was is no change."""
    for obj in list(session.dirty):
        state = inspect(obj)
        if not _audited(obj) or state.identity is None:
            continue
        unknown = [
            attr.key
            for attr in state.mapper.column_attrs
            if attr.key in state.dict
            and state.attrs[attr.key].history.added
            and not state.attrs[attr.key].history.deleted
        ]
        if not unknown:
            continue
        columns = [state.mapper.column_attrs[key].columns[0] for key in unknown]
        where = [c == v for c, v in zip(state.mapper.primary_key, state.identity, strict=True)]
        with session.no_autoflush:
            old = session.execute(select(*columns).where(*where)).one_or_none()
        if old is None:
            continue
        for key, value in zip(unknown, old, strict=True):
            new = state.dict[key]
            set_committed_value(obj, key, value)
            setattr(obj, key, new)


def register() -> None:
    """Installs the flush listeners that stamp the actor and write the audit log (called by
    ``create_app``)."""
    listen_once(Session, "before_flush", _stamp_actor)
    listen_once(Session, "after_flush", _write_audit)


def _stamp_actor(session: Session, _ctx: Any, _instances: Any) -> None:
    _load_unknown_old_values(session)
    ref = current_actor().ref
    for obj in session.new:
        if hasattr(obj, "created_by") and obj.created_by is None:
            obj.created_by = ref
            obj.updated_by = ref
    for obj in session.dirty:
        if hasattr(obj, "updated_by") and session.is_modified(obj, include_collections=False):
            obj.updated_by = ref


def _write_audit(session: Session, _ctx: Any) -> None:
    actor = current_actor()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not _audited(obj):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            state = inspect(obj)
            # New rows get their identity only after this hook: read the flushed key instead.
            pk = state.identity or state.mapper.primary_key_from_instance(obj)
            entity_id = pk[0] if pk and isinstance(pk[0], int) else None
            rows.append(
                {
                    "created_at": now,
                    "actor": actor.ref,
                    "actor_name": actor.name[:255],
                    "action": action,
                    "entity_type": type(obj).__name__,
                    "entity_id": entity_id,
                    "customer_id": _customer_id(obj),
                    "changes": changes,
                }
            )
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)
