"""Activities: ``/customers/{id}/activities`` (list, add) and ``/activities/{id}`` (get,
change, mark done or open again with ``"done"``). The admin's service does the work, with the
admin's rules (an active assignee, a contact of the customer, a subject); times are UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import select

from portal.api.core import get_or_404, operation, paginate
from portal.api.schemas import Id, ListQuery, Page, RequestModel, ResponseModel, Str10000
from portal.extensions import db
from portal.models import ACTIVITY_KINDS, Activity, Customer
from portal.models.base import utcnow
from portal.services.customers import activities

Kind = Literal["task", "call", "meeting", "email", "note"]
assert set(Kind.__args__) == set(ACTIVITY_KINDS)  # type: ignore[attr-defined]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DueAt = Annotated[
    datetime,
    Field(description="ISO 8601 with an offset; a time without one is taken as UTC"),
]


class ActivityQuery(ListQuery):
    done: bool | None = Field(None, description="true: done (past) only; false: open only")


class ActivityFields(RequestModel):
    """Every activity field; on PATCH only the fields given change."""

    kind: Kind = None  # type: ignore[assignment]
    subject: Subject = None  # type: ignore[assignment]
    body: Str10000 | None = None
    due_at: DueAt | None = None
    contact_id: Id | None = Field(None, description="A contact of the same customer")
    assigned_to: Id | None = Field(None, description="The id of an active staff member")


class ActivityCreate(ActivityFields):
    kind: Kind = "task"
    subject: Subject


class ActivityUpdate(ActivityFields):
    done: bool = Field(None, description="true marks it done now, false opens it again")  # type: ignore[assignment]


class ActivityOut(ResponseModel):
    id: int
    customer_id: int
    contact_id: int | None
    kind: str
    subject: str
    body: str | None
    due_at: datetime | None
    done_at: datetime | None
    done: bool
    overdue: bool = Field(description="Open and due before now (UTC)")
    assigned_to: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def activity_out(activity: Activity, now: datetime | None = None) -> ActivityOut:
    return ActivityOut(
        id=activity.id,
        customer_id=activity.customer_id,
        contact_id=activity.contact_id,
        kind=activity.kind,
        subject=activity.subject,
        body=activity.body,
        due_at=activity.due_at,
        done_at=activity.done_at,
        done=activity.done_at is not None,
        overdue=activity.is_overdue(now or utcnow()),
        assigned_to=activity.assigned_to,
        created_by=activity.created_by,
        created_at=activity.created_at,
        updated_at=activity.updated_at,
    )


@operation(
    "GET", "/customers/<int:id>/activities", summary="List a customer's activities",
    tag="activities", query=ActivityQuery, response=Page[ActivityOut], errors=(404, 422),
)  # fmt: skip
def list_activities(id: int, query: ActivityQuery) -> Any:
    customer = get_or_404(Customer, id)
    stmt = select(Activity).where(Activity.customer_id == customer.id)
    if query.done is not None:
        stmt = stmt.where(
            Activity.done_at.is_not(None) if query.done else Activity.done_at.is_(None)
        )
    now = utcnow()
    return paginate(stmt, query, Activity, lambda a: activity_out(a, now))


@operation(
    "POST", "/customers/<int:id>/activities", summary="Add an activity", tag="activities",
    body=ActivityCreate, response=ActivityOut, errors=(404, 422),
)  # fmt: skip
def create_activity(id: int, body: ActivityCreate) -> Any:
    customer = get_or_404(Customer, id)
    data = body.model_dump()
    activity = activities.create_activity(customer, data)
    db.session.refresh(activity)
    return activity_out(activity), 201


@operation(
    "GET", "/activities/<int:id>", summary="Get an activity", tag="activities",
    response=ActivityOut, errors=(404,),
)  # fmt: skip
def get_activity(id: int) -> Any:
    return activity_out(get_or_404(Activity, id))


@operation(
    "PATCH", "/activities/<int:id>", summary="Update an activity", tag="activities",
    body=ActivityUpdate, response=ActivityOut, errors=(404, 422),
    description='Changes the fields given; `"done": true` marks it done now, `false` opens '
    "it again.",
)  # fmt: skip
def update_activity(id: int, body: ActivityUpdate) -> Any:
    activity = activities.update_activity(
        get_or_404(Activity, id), body.model_dump(exclude_unset=True)
    )
    db.session.refresh(activity)
    return activity_out(activity)
