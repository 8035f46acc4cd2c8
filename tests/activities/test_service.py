"""The rules of activities (``portal.services.customers.activities``): who may be assigned,
whose contact, what is required, what "overdue" means (UTC: staff have no time zone setting),
the planned and past lists, and the audit log on the customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.models import Activity, AuditLog
from portal.services.customers import activities
from portal.services.errors import ValidationError
from tests.activities.conftest import NOW


def test_cannot_assign_to_an_inactive_staff_member(make_customer, make_staff, deactivate, write):
    customer = make_customer()
    member = make_staff([])
    deactivate(member)
    write()
    with pytest.raises(ValidationError) as refused:
        activities.create_activity(customer, {"subject": "Call", "assigned_to": member.id})
    assert refused.value.fields == {"assigned_to": "Choose an active staff member."}
    db.session.rollback()
    assert db.session.scalar(select(Activity)) is None

    write()
    with force_locale("de"), pytest.raises(ValidationError) as in_german:
        activities.create_activity(customer, {"subject": "Call", "assigned_to": member.id})
    german = in_german.value.fields["assigned_to"]
    assert german and german != "Choose an active staff member."  # translated


def test_an_active_member_becoming_inactive_cannot_be_chosen_again(
    make_customer, make_staff, make_activity, deactivate, write
):
    customer = make_customer()
    first, second = make_staff([]), make_staff([])
    activity = make_activity(customer, assigned_to=first.id)
    deactivate(second)
    write()
    activity = db.session.get(Activity, activity.id)
    # Another field may change while the (now inactive) assignee stays...
    deactivate(first)
    write()
    activity = db.session.get(Activity, activity.id)
    activities.update_activity(activity, {"subject": "Call again", "assigned_to": first.id})
    assert activity.subject == "Call again"
    # ...but moving it to an inactive member is refused.
    with pytest.raises(ValidationError) as refused:
        activities.update_activity(activity, {"assigned_to": second.id})
    assert set(refused.value.fields) == {"assigned_to"}
    with pytest.raises(ValidationError):
        activities.update_activity(activity, {"assigned_to": 999999})


def test_contact_must_belong_to_the_customer(make_customer, make_contact, write):
    customer, other = make_customer(), make_customer()
    own, foreign = make_contact(customer), make_contact(other)
    write()
    with pytest.raises(ValidationError) as refused:
        activities.create_activity(customer, {"subject": "Visit", "contact_id": foreign.id})
    assert set(refused.value.fields) == {"contact_id"}
    db.session.rollback()
    write()
    activity = activities.create_activity(customer, {"subject": "Visit", "contact_id": own.id})
    assert activity.contact_id == own.id


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "Lunch", "kind": "party"}, "kind"),
        ({"subject": "Lunch", "due_at": "tomorrow"}, "due_at"),
        (
            {
                "subject": "Lunch",
                "due_at": datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
            },
            "due_at",
        ),
    ],
)
def test_bad_input_names_the_field(make_customer, write, data, field):
    customer = make_customer()
    write()
    with pytest.raises(ValidationError) as refused:
        activities.create_activity(customer, data)
    assert field in refused.value.fields


def test_overdue_is_open_and_due_before_now_in_utc(make_customer, make_activity):
    customer = make_customer()
    # 10:00 in Helsinki in winter is 08:00 UTC; a naive time is taken as UTC.
    helsinki = timezone(timedelta(hours=2))
    aware = make_activity(customer, due_at=datetime(2026, 3, 10, 10, 0, tzinfo=helsinki))
    naive = make_activity(customer, due_at=datetime(2026, 3, 10, 8, 0))
    assert aware.due_at == naive.due_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    for activity in (aware, naive):
        assert activity.is_overdue(datetime(2026, 3, 10, 8, 1, tzinfo=UTC))
        assert not activity.is_overdue(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
        # the same instant written in another zone gives the same answer
        assert activity.is_overdue(datetime(2026, 3, 10, 10, 1, tzinfo=helsinki))
        assert not activity.is_overdue(datetime(2026, 3, 10, 9, 59, tzinfo=helsinki))
    undated = make_activity(customer)
    done = make_activity(customer, due_at=datetime(2020, 1, 1, tzinfo=UTC), done=True)
    assert not undated.is_overdue(NOW) and not done.is_overdue(NOW)


def test_a_done_activity_leaves_the_planned_list(make_customer, make_activity, write):
    customer = make_customer()
    later = make_activity(customer, subject="Later", due_at=NOW + timedelta(days=2))
    sooner = make_activity(customer, subject="Sooner", due_at=NOW + timedelta(days=1))
    undated = make_activity(customer, subject="Some day")
    assert [a.subject for a in activities.planned(customer.id)] == ["Sooner", "Later", "Some day"]
    write()
    activities.mark_done(db.session.get(Activity, sooner.id), now=NOW)
    activities.mark_done(db.session.get(Activity, undated.id), now=NOW + timedelta(hours=1))
    db.session.commit()
    assert [a.subject for a in activities.planned(customer.id)] == ["Later"]
    assert [a.subject for a in activities.past(customer.id)] == ["Some day", "Sooner"]
    write()
    activities.reopen(db.session.get(Activity, sooner.id))
    db.session.commit()
    assert [a.subject for a in activities.planned(customer.id)] == ["Sooner", "Later"]
    assert later.id in {a.id for a in activities.planned(customer.id)}


def test_my_open_activities_overdue_first_only_mine_and_visible(
    make_customer, make_staff, make_activity, write
):
    mine, hidden = make_customer("Mine Ltd"), make_customer("Hidden Ltd")
    own = make_staff(["customers.view_own"])
    other = make_staff([])
    write()
    db.session.merge(mine).admins.append(db.session.merge(own))
    db.session.commit()
    make_activity(mine, subject="Upcoming", due_at=NOW + timedelta(hours=1), assigned_to=own.id)
    make_activity(mine, subject="Undated", assigned_to=own.id)
    make_activity(mine, subject="Old", due_at=NOW - timedelta(days=3), assigned_to=own.id)
    make_activity(mine, subject="Recent", due_at=NOW - timedelta(hours=1), assigned_to=own.id)
    make_activity(
        mine, subject="Done", due_at=NOW - timedelta(days=9), assigned_to=own.id, done=True
    )
    make_activity(mine, subject="Theirs", due_at=NOW - timedelta(days=9), assigned_to=other.id)
    make_activity(hidden, subject="Not my customer", due_at=NOW, assigned_to=own.id)
    names = [a.subject for a in activities.my_open(own, NOW)]
    assert names == ["Old", "Recent", "Upcoming", "Undated"]


def test_changes_are_in_the_customer_history(make_customer, make_activity, write):
    customer = make_customer()
    activity = make_activity(customer, subject="Demo")
    write()
    activities.update_activity(db.session.get(Activity, activity.id), {"done": True})
    activities.delete_activity(db.session.get(Activity, activity.id))
    db.session.commit()
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.entity_type == "Activity").order_by(AuditLog.id)
    ).all()
    assert [(r.action, r.customer_id) for r in rows] == [
        ("create", customer.id),
        ("update", customer.id),
        ("delete", customer.id),
    ]
    assert rows[0].changes["subject"] == [None, "Demo"]
    assert "done_at" in rows[1].changes


def test_a_new_due_time_gets_its_own_reminder(make_customer, make_activity, write):
    customer = make_customer()
    activity = make_activity(customer, due_at=NOW)
    write()
    activity = db.session.get(Activity, activity.id)
    activity.reminded_at = NOW
    activities.update_activity(activity, {"due_at": NOW})
    assert activity.reminded_at == NOW  # same time: still reminded
    activities.update_activity(activity, {"due_at": NOW + timedelta(days=1)})
    assert activity.reminded_at is None
