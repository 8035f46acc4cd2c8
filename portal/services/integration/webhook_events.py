"""Webhook events: changes to invoices and customers become deliveries of the webhooks that
subscribe to them, in the business transaction (:mod:`portal.services.integration.webhooks`
registers the webhooks and delivers).

Events are detected by session listeners, like the audit log, so they fire whoever makes the
change (admin, portal, API, CLI): ``after_flush`` notes what happened, ``before_commit`` builds
the payloads and adds the deliveries, so they commit (or roll back) with the change itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from portal.models import Customer, Invoice, Payment
from portal.models.base import utcnow
from portal.models.database import listen_once
from portal.models.webhooks import Webhook, WebhookDelivery

PayloadBuilder = Callable[[Session, int], dict[str, Any] | None]

#: Builders of the ``data`` of an event, registered by the API from ``create_app`` (so a webhook
#: shows an object exactly as ``GET /api/v1/...`` does): ``entity kind -> (id -> dict)``.
_PAYLOAD_BUILDERS: dict[str, PayloadBuilder] = {}


def register(builders: dict[str, PayloadBuilder]) -> None:
    """Installs the session listeners that turn changes into deliveries and the payload
    builders of each entity kind (called by ``create_app``)."""
    _PAYLOAD_BUILDERS.update(builders)
    listen_once(Session, "after_flush", _note_events)
    listen_once(Session, "before_commit", _queue_deliveries)
    listen_once(Session, "after_rollback", _forget_events)


_PENDING = "webhook_events"


def _history(obj: Any, key: str) -> tuple[list[Any], list[Any]]:
    hist = inspect(obj).attrs[key].history
    return list(hist.deleted), list(hist.added)


def _invoice_events(invoice: Invoice, is_new: bool) -> list[str]:
    events = []
    if is_new:
        if invoice.number is not None:
            events.append("invoice.issued")
        if invoice.status == "paid" and invoice.kind == "invoice":
            events.append("invoice.paid")
        return events
    old_number, new_number = _history(invoice, "number")
    if new_number and new_number[0] is not None and (not old_number or old_number[0] is None):
        events.append("invoice.issued")
    old_status, new_status = _history(invoice, "status")
    if (
        invoice.kind == "invoice"
        and new_status
        and new_status[0] == "paid"
        and (not old_status or old_status[0] != "paid")
    ):
        events.append("invoice.paid")
    return events


_NOT_MASTER_DATA = frozenset({"updated_at", "updated_by", "created_at", "created_by"})


def _customer_changed(customer: Customer) -> bool:
    """Whether the customer's own data or groups really changed (a new contact or a value set
    to what it was is no ``customer.updated``)."""
    state = inspect(customer)
    for attr in state.mapper.column_attrs:
        if attr.key in _NOT_MASTER_DATA:
            continue
        hist = state.attrs[attr.key].history
        if hist.added and (not hist.deleted or hist.deleted[0] != hist.added[0]):
            return True
    return bool(state.attrs["groups"].history.has_changes())


def _note_events(session: Session, _ctx: Any) -> None:
    pending: list[tuple[str, str, int]] = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, Invoice):
            pending += [(e, "invoice", obj.id) for e in _invoice_events(obj, True)]
        elif isinstance(obj, Payment):  # any payment: staff, API, online (a refund is < 0)
            pending.append(("payment.created", "payment", obj.id))
    for obj in session.dirty:
        if isinstance(obj, Invoice):
            pending += [(e, "invoice", obj.id) for e in _invoice_events(obj, False)]
        elif isinstance(obj, Customer) and _customer_changed(obj):
            pending.append(("customer.updated", "customer", obj.id))
    if not pending:
        session.info.pop(_PENDING, None)


def _queue_deliveries(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # events noted by this very flush are picked up below
    pending = list(dict.fromkeys([*pending, *session.info.pop(_PENDING, [])]))
    with session.no_autoflush:
        hooks = list(session.scalars(select(Webhook).where(Webhook.is_active.is_(True))))
        hooks = [h for h in hooks if set(h.events) & {e for e, _k, _i in pending}]
        if not hooks:
            return
        now = utcnow()
        for name, kind, entity_id in pending:
            targets = [h for h in hooks if name in h.events]
            if not targets:
                continue
            builder = _PAYLOAD_BUILDERS.get(kind)
            data = builder(session, entity_id) if builder else {"id": entity_id}
            if data is None:
                continue
            for hook in targets:
                body = {
                    "id": uuid.uuid4().hex,
                    "event": name,
                    "created_at": now.isoformat().replace("+00:00", "Z"),
                    "data": data,
                }
                session.add(
                    WebhookDelivery(
                        webhook_id=hook.id,
                        event=name,
                        payload=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                        status="queued",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    session.flush()
    session.info.pop(_PENDING, None)


def _forget_events(session: Session) -> None:
    session.info.pop(_PENDING, None)
