"""Activities on a customer: tasks, calls, meetings, emails and notes, optionally about one of
its contacts, with a due time, an assignee and done / not done.

Rules: the subject is required; ``kind`` is one of :data:`~portal.models.ACTIVITY_KINDS`; the
contact belongs to the customer; the assignee is an active staff member (checked whenever the
assignee is set or changed). Times are UTC (staff have no time zone setting): an activity is
overdue when it is open and due before now. Changes are audited on the customer by the flush
listener (``Activity.__audited__``). The reminder email to the assignee is queued once, when
the activity falls due (:func:`send_reminders`, run by ``flask activities remind``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import ACTIVITY_KINDS, Activity, Contact, Customer, Staff
from portal.models.base import utcnow
from portal.services.access.staff import visible_filter
from portal.services.errors import ValidationError
from portal.services.platform import email, validation
from portal.services.platform.validation import Errors

#: The planned and past lists show at most this many activities each.
LIST_LIMIT = 200
#: "My open activities" on the dashboard.
DASHBOARD_LIMIT = 10


def kind_labels() -> dict[str, str]:
    """The kinds' names in the current language, in the order of :data:`ACTIVITY_KINDS`."""
    return {
        "task": _("Task"),
        "call": _("Call"),
        "meeting": _("Meeting"),
        "email": _("Email"),
        "note": _("Note"),
    }


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _kind(data: Mapping[str, Any], errors: Errors) -> str | None:
    value = data.get("kind")
    if value not in ACTIVITY_KINDS:
        errors.add("kind", _("Choose a task, call, meeting, email or note."))
        return None
    return str(value)


def _due_at(data: Mapping[str, Any], errors: Errors) -> datetime | None:
    value = data.get("due_at")
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        errors.add("due_at", _("Enter a date and time."))
        return None
    try:
        return as_utc(value).replace(microsecond=0)
    except OverflowError:  # the year 1 or 9999 shifted out of range by its offset
        errors.add("due_at", _("Enter a date and time."))
        return None


def _contact_id(customer_id: int, data: Mapping[str, Any], errors: Errors) -> int | None:
    value = data.get("contact_id")
    if value in (None, "", 0):
        return None
    contact = db.session.get(Contact, value) if isinstance(value, int) else None
    if contact is None or contact.customer_id != customer_id:
        errors.add("contact_id", _("Choose a contact of this customer."))
        return None
    return contact.id


def _assignee_id(data: Mapping[str, Any], errors: Errors) -> int | None:
    value = data.get("assigned_to")
    if value in (None, "", 0):
        return None
    staff = db.session.get(Staff, value) if isinstance(value, int) else None
    if staff is None or not staff.is_active:
        errors.add("assigned_to", _("Choose an active staff member."))
        return None
    return staff.id


def _apply(activity: Activity, data: Mapping[str, Any], creating: bool) -> None:
    """Validates the given fields (all of them when creating) and sets them on ``activity``."""
    errors = Errors()
    clean: dict[str, Any] = {}
    with db.session.no_autoflush:
        if creating or "kind" in data:
            clean["kind"] = _kind({"kind": data.get("kind", "task")}, errors)
        if creating or "subject" in data:
            clean["subject"] = validation.text(
                data, "subject", errors, required=True, max_length=200
            )
        if "body" in data:
            clean["body"] = validation.text(data, "body", errors, max_length=10000)
        if "due_at" in data:
            clean["due_at"] = _due_at(data, errors)
        if "contact_id" in data:
            clean["contact_id"] = _contact_id(activity.customer_id, data, errors)
        if "assigned_to" in data and (creating or data["assigned_to"] != activity.assigned_to):
            clean["assigned_to"] = _assignee_id(data, errors)
    errors.raise_if_any()
    if "due_at" in clean and clean["due_at"] != activity.due_at:
        activity.reminded_at = None  # a new due time gets its own reminder
    for key, value in clean.items():
        setattr(activity, key, value)


def create_activity(customer: Customer, data: Mapping[str, Any]) -> Activity:
    """A new open activity on ``customer`` from ``kind``, ``subject``, ``body``, ``due_at``
    (an aware datetime, or naive UTC), ``contact_id`` and ``assigned_to`` (staff id)."""
    activity = Activity(customer_id=customer.id)
    _apply(activity, data, creating=True)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(activity: Activity, data: Mapping[str, Any]) -> Activity:
    """Changes the fields given in ``data`` (a PATCH); ``done`` (bool) marks it done or open."""
    try:
        _apply(activity, data, creating=False)
    except ValidationError:
        db.session.expire(activity)
        raise
    if "done" in data:
        if not isinstance(data["done"], bool):
            db.session.expire(activity)
            raise ValidationError(
                _("Please correct the marked fields."), fields={"done": _("Must be true or false.")}
            )
        mark_done(activity) if data["done"] else reopen(activity)
    db.session.flush()
    return activity


def mark_done(activity: Activity, now: datetime | None = None) -> None:
    """Done now (it leaves the planned list); marking a done activity again changes nothing."""
    if activity.done_at is None:
        activity.done_at = now or utcnow()
        db.session.flush()


def reopen(activity: Activity) -> None:
    """Open again (back on the planned list)."""
    if activity.done_at is not None:
        activity.done_at = None
        db.session.flush()


def delete_activity(activity: Activity) -> None:
    db.session.delete(activity)
    db.session.flush()


# -- lists ----------------------------------------------------------------------------------


def _loaded() -> Any:
    return select(Activity).options(joinedload(Activity.contact), joinedload(Activity.assignee))


def planned(customer_id: int, limit: int = LIST_LIMIT) -> list[Activity]:
    """Open activities of the customer by due time (undated last): one query."""
    stmt = (
        _loaded()
        .where(Activity.customer_id == customer_id, Activity.done_at.is_(None))
        .order_by(Activity.due_at.asc().nulls_last(), Activity.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def past(customer_id: int, limit: int = LIST_LIMIT) -> list[Activity]:
    """Done activities of the customer, newest first: one query."""
    stmt = (
        _loaded()
        .where(Activity.customer_id == customer_id, Activity.done_at.is_not(None))
        .order_by(Activity.done_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def overdue_first(now: datetime) -> tuple[Any, ...]:
    """The order of someone's open activities: overdue ones first (the oldest first), then by
    due time, undated last."""
    overdue = case((Activity.due_at < now, 0), else_=1)
    return (overdue, Activity.due_at.asc().nulls_last(), Activity.id)


def my_open(
    staff: Staff, now: datetime | None = None, limit: int = DASHBOARD_LIMIT
) -> list[Activity]:
    """``staff``'s open activities on the customers it may see, overdue first."""
    now = now or utcnow()
    stmt = (
        select(Activity)
        .options(joinedload(Activity.customer), joinedload(Activity.contact))
        .where(
            Activity.assigned_to == staff.id,
            Activity.done_at.is_(None),
            visible_filter(staff, "customers", Activity),
        )
        .order_by(*overdue_first(now))
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def feed(staff: Staff, limit: int = 1000) -> list[Activity]:
    """What ``staff``'s calendar shows: its own open activities that have a due time."""
    stmt = (
        select(Activity)
        .options(joinedload(Activity.customer), joinedload(Activity.contact))
        .where(
            Activity.assigned_to == staff.id,
            Activity.done_at.is_(None),
            Activity.due_at.is_not(None),
        )
        .order_by(Activity.due_at, Activity.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


# -- reminders ------------------------------------------------------------------------------


def due_for_reminder(now: datetime) -> list[Activity]:
    """Open activities that have fallen due, not yet reminded, with an active assignee."""
    stmt = (
        select(Activity)
        .join(Staff, Staff.id == Activity.assigned_to)
        .options(joinedload(Activity.assignee), joinedload(Activity.customer))
        .where(
            Activity.done_at.is_(None),
            Activity.reminded_at.is_(None),
            Activity.due_at.is_not(None),
            Activity.due_at <= now,
            Staff.is_active,
        )
        .order_by(Activity.due_at, Activity.id)
    )
    return list(db.session.scalars(stmt).unique())


def _claim(activity: Activity, now: datetime) -> bool:
    """Marks the activity reminded unless another run did it first (a conditional UPDATE, so
    two runs never both send); ``updated_at`` is kept (a reminder is not a change)."""
    result = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.reminded_at.is_(None))
        .values(reminded_at=now, updated_at=Activity.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def card_link(customer_id: int) -> str:
    """The absolute link to the customer card's Activities tab (the path SPEC fixes), also
    outside a request (the cron job)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/admin/customers/{customer_id}?tab=activities"


def send_reminders(now: datetime | None = None) -> list[Activity]:
    """Queues the ``activity_due`` email to the assignee of each activity that has fallen due,
    in the assignee's language, once per activity (and due time)."""
    now = now or utcnow()
    sent = []
    for activity in due_for_reminder(now):
        staff = activity.assignee
        if staff is None or not _claim(activity, now):
            continue
        locale = locale_of(staff)
        with force_locale(locale):
            kind_label = kind_labels()[activity.kind]
        email.queue(
            "activity_due",
            staff.email,
            locale,
            name=staff.name,
            kind_label=kind_label,
            activity=activity,
            customer=activity.customer,
            link=card_link(activity.customer_id),
        )
        sent.append(activity)
    return sent
