"""The "My open activities" on the admin dashboard: the member's own open activities, overdue
first and marked, only of customers it may see, at most ten."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models.base import utcnow


def _block(html: str) -> str:
    start = html.index('id="my-activities-heading"')
    return html[start : html.index("</section>", start)]


def test_my_open_activities_overdue_first(staff_client, make_customer, make_activity, write):
    client, me = staff_client(["customers.view_own"])
    _other, colleague = staff_client([])
    mine, hidden = make_customer("Mine Ltd"), make_customer("Hidden Ltd")
    write()
    db.session.merge(mine).admins.append(db.session.merge(me))
    db.session.commit()
    now = utcnow()
    make_activity(mine, subject="Tomorrow", due_at=now + timedelta(days=1), assigned_to=me.id)
    make_activity(mine, subject="Last week", due_at=now - timedelta(days=7), assigned_to=me.id)
    make_activity(mine, subject="Some day", assigned_to=me.id)
    make_activity(mine, subject="Finished", due_at=now, assigned_to=me.id, done=True)
    make_activity(mine, subject="Colleague's", due_at=now, assigned_to=colleague.id)
    make_activity(hidden, subject="Hidden customer's", due_at=now, assigned_to=me.id)
    block = _block(client.get("/admin/").get_data(as_text=True))
    assert block.index("Last week") < block.index("Tomorrow") < block.index("Some day")
    for absent in ("Finished", "Colleague", "Hidden customer"):
        assert absent not in block
    assert block.count("Overdue") == 1
    assert f"/admin/customers/{mine.id}?tab=activities" in block


def test_at_most_ten_and_a_message_when_there_are_none(staff_client, make_customer, make_activity):
    client, me = staff_client()
    assert "No open activities are assigned to you." in _block(
        client.get("/admin/").get_data(as_text=True)
    )
    customer = make_customer()
    for i in range(12):
        make_activity(customer, subject=f"Item {i:02d}", assigned_to=me.id)
    block = _block(client.get("/admin/").get_data(as_text=True))
    assert block.count("Item ") == 10
