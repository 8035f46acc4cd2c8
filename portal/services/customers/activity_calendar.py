"""The per-staff iCalendar feed of open activities (``/admin/activities.ics?token=...``).

Each staff member may have one feed secret: ``cal_`` + 32 random bytes, shown once, stored as
its SHA-256 (a fast hash is enough for a 256-bit random secret, as for API tokens). A new
secret replaces the old one; revoking deletes it, so the old address answers 404. The feed
holds only that member's own open activities with a due time, as events in UTC.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Activity, CalendarToken, Staff
from portal.models.base import utcnow
from portal.services.customers.activities import card_link, feed

#: Feed secrets look like ``cal_<43 url-safe characters>``.
TOKEN_PREFIX = "cal_"  # noqa: S105 - a marker, not a secret
#: How long an event lasts in the calendar (an activity has a due time, not an end).
EVENT_LENGTH = timedelta(minutes=30)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_of(staff: Staff) -> CalendarToken | None:
    return db.session.get(CalendarToken, staff.id)


def issue_token(staff: Staff) -> str:
    """A new feed secret for ``staff`` (the old one stops working); returned once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = token_of(staff)
    if row is None:
        row = CalendarToken(staff_id=staff.id)
        db.session.add(row)
    row.token_hash = hash_token(raw)
    row.created_at = utcnow()
    db.session.flush()
    return raw


def revoke_token(staff: Staff) -> bool:
    """Ends ``staff``'s feed address; ``False`` when it had none."""
    row = token_of(staff)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def staff_for_token(raw: str | None) -> Staff | None:
    """The active staff member whose current feed secret is ``raw``; ``None`` otherwise
    (unknown, replaced or revoked secret, or a deactivated member)."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    staff = db.session.scalar(
        select(Staff)
        .join(CalendarToken, CalendarToken.staff_id == Staff.id)
        .where(CalendarToken.token_hash == hash_token(raw))
    )
    if staff is None or not staff.is_active:
        return None
    return staff


def _event(activity: Activity, host: str, stamp: object) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", activity.due_at)
    event.add("duration", EVENT_LENGTH)
    event.add("summary", f"{activity.subject} ({activity.customer.company_name})")
    lines = [activity.body or ""]
    if activity.contact is not None:
        lines.append(_("Contact: %(name)s", name=activity.contact.full_name))
    link = card_link(activity.customer_id)
    lines.append(link)
    event.add("description", "\n\n".join(line for line in lines if line))
    event.add("url", link)
    event.add("categories", [activity.kind])
    event.add("last-modified", activity.updated_at)
    return event


def calendar_bytes(staff: Staff) -> bytes:
    """The feed of ``staff``: its own open activities with a due time, in its language."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "portal"
    stamp = utcnow()
    calendar = Calendar()
    calendar.add("prodid", "-//Client portal//Activities//EN")
    calendar.add("version", "2.0")
    with force_locale(locale_of(staff)):
        calendar.add("x-wr-calname", _("Activities of %(name)s", name=staff.name))
        for activity in feed(staff):
            calendar.add_component(_event(activity, host, stamp))
    return calendar.to_ical()
