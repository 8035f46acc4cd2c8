"""The card's Activities tab and its forms: planned and past lists, overdue marked, create,
edit, mark done, reopen, delete; who must NOT see or change them (anonymous, a contact, staff
without the permission, ``view_own`` staff for another customer); a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Activity
from portal.models.base import utcnow


def _tab(client, customer_id):
    return client.get(f"/admin/customers/{customer_id}?tab=activities")


def _section(html: str, heading: str) -> str:
    """The part of the tab under one heading (Planned or Past)."""
    start = html.index(f'">{heading}</h2>')
    rest = html[start:]
    end = rest.find("</table>")
    return rest[:end]


def test_tab_shows_planned_with_overdue_marked_and_past(staff_client, make_customer, make_activity):
    client, me = staff_client()
    customer = make_customer()
    now = utcnow()
    make_activity(customer, subject="Late call", due_at=now - timedelta(hours=2), assigned_to=me.id)
    make_activity(customer, subject="Next meeting", kind="meeting", due_at=now + timedelta(days=1))
    make_activity(customer, subject="Old note", kind="note", done=True)
    response = _tab(client, customer.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    planned, past = _section(html, "Planned"), _section(html, "Past")
    assert planned.index("Late call") < planned.index("Next meeting")
    assert "Old note" not in planned and "Old note" in past
    late_row = re.search(r'<tr class="overdue">.*?</tr>', planned, re.S).group(0)
    assert "Late call" in late_row and "Overdue" in late_row
    assert planned.count("Overdue") == 1
    assert me.name in late_row
    # the change log keeps its content under its new label
    assert ">History</a>" in html and ">Activities</a>" in html


def test_mark_done_moves_it_to_past_and_reopen_brings_it_back(
    staff_client, make_customer, make_activity
):
    client, _ = staff_client(["customers.view", "customers.edit"])
    customer = make_customer()
    activity = make_activity(customer, subject="Send the offer", due_at=utcnow())
    base = f"/admin/customers/{customer.id}/activities/{activity.id}"
    response = client.post(f"{base}/done")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/customers/{customer.id}?tab=activities")
    html = _tab(client, customer.id).get_data(as_text=True)
    assert "Send the offer" not in _section(html, "Planned")
    assert "Send the offer" in _section(html, "Past")
    assert client.post(f"{base}/reopen").status_code == 302
    html = _tab(client, customer.id).get_data(as_text=True)
    assert "Send the offer" in _section(html, "Planned")


def test_create_edit_and_delete_through_the_forms(
    staff_client, make_customer, make_contact, make_staff
):
    client, me = staff_client(["customers.view", "customers.edit"])
    customer = make_customer()
    contact = make_contact(customer)
    colleague = make_staff([])
    form = client.get(f"/admin/customers/{customer.id}/activities/new").get_data(as_text=True)
    assert f'<option selected value="{me.id}">' in form  # the signed-in member by default
    response = client.post(
        f"/admin/customers/{customer.id}/activities/new",
        data={
            "kind": "meeting",
            "subject": "Kick-off",
            "body": "Bring the contract",
            "due_at": "2030-05-04T09:30",
            "contact_id": str(contact.id),
            "assigned_to": str(colleague.id),
        },
    )
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert (activity.kind, activity.subject, activity.contact_id, activity.assigned_to) == (
        "meeting",
        "Kick-off",
        contact.id,
        colleague.id,
    )
    assert activity.due_at.isoformat() == "2030-05-04T09:30:00+00:00"  # entered as UTC

    edit_url = f"/admin/customers/{customer.id}/activities/{activity.id}"
    page = client.get(edit_url).get_data(as_text=True)
    assert 'value="2030-05-04T09:30"' in page
    response = client.post(
        edit_url,
        data={"kind": "call", "subject": "Kick-off call", "due_at": "", "contact_id": "",
              "assigned_to": ""},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert (activity.kind, activity.subject, activity.due_at, activity.contact_id) == (
        "call",
        "Kick-off call",
        None,
        None,
    )
    card = _tab(client, customer.id).get_data(as_text=True)
    assert "Delete the activity Kick-off call? This cannot be undone." in card  # confirmation
    assert client.post(f"{edit_url}/delete").status_code == 302
    assert db.session.scalar(select(Activity)) is None


def test_form_refuses_an_inactive_assignee_next_to_the_field(
    staff_client, make_customer, make_staff, deactivate
):
    client, _ = staff_client(["customers.view", "customers.edit"])
    customer = make_customer()
    gone = make_staff([])
    deactivate(gone)
    page = client.get(f"/admin/customers/{customer.id}/activities/new").get_data(as_text=True)
    assert f'value="{gone.id}"' not in page  # not offered
    response = client.post(
        f"/admin/customers/{customer.id}/activities/new",
        data={"kind": "task", "subject": "Follow up", "assigned_to": str(gone.id)},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'id="assigned_to-error">Choose an active staff member\.</p>', html), (
        "the error is next to the field"
    )
    assert db.session.scalar(select(Activity)) is None
    response = client.post(
        f"/admin/customers/{customer.id}/activities/new", data={"kind": "task", "subject": ""}
    )
    assert 'id="subject-error"' in response.get_data(as_text=True)


def test_tab_runs_a_fixed_number_of_queries(
    staff_client, make_customer, make_contact, make_staff, make_activity, count_queries
):
    client, _ = staff_client()
    customer = make_customer()
    contacts = [make_contact(customer) for _ in range(3)]
    members = [make_staff([]) for _ in range(3)]
    now = utcnow()

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            make_activity(
                customer,
                subject=f"Activity {i}",
                due_at=now + timedelta(hours=i - 20),
                contact_id=contacts[i % 3].id,
                assigned_to=members[i % 3].id,
                done=i % 2 == 0,
            )

    add(5, 0)
    _tab(client, customer.id)  # warm-up (the first request loads caches)
    with count_queries() as few:
        html = _tab(client, customer.id).get_data(as_text=True)
    assert html.count("Activity ") >= 5
    add(45, 5)
    with count_queries() as many:
        html = _tab(client, customer.id).get_data(as_text=True)
    assert all(f"Activity {i}<" in html for i in range(50))
    assert many.count == few.count, (few.statements, many.statements)


# -- who must NOT see or change them ----------------------------------------------------------


def _urls(customer_id: int, activity_id: int) -> dict[str, list[str]]:
    base = f"/admin/customers/{customer_id}/activities"
    return {
        "GET": [
            f"/admin/customers/{customer_id}?tab=activities",
            f"{base}/new",
            f"{base}/{activity_id}",
        ],
        "POST": [
            f"{base}/new",
            f"{base}/{activity_id}",
            f"{base}/{activity_id}/done",
            f"{base}/{activity_id}/reopen",
            f"{base}/{activity_id}/delete",
        ],
    }


def _call(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={"subject": "x"})


def test_anonymous_and_contacts_are_sent_to_the_staff_login(
    client, make_customer, make_contact, make_activity, login_contact
):
    customer = make_customer()
    activity = make_activity(customer)
    for who in ("anonymous", "contact"):
        if who == "contact":
            login_contact(make_contact(customer))
        for method, urls in _urls(customer.id, activity.id).items():
            for url in urls:
                response = _call(client, method, url)
                assert response.status_code == 302, (who, url)
                assert response.headers["Location"].startswith("/admin/login"), (who, url)
    assert db.session.get(Activity, activity.id).subject == "Call back"


def test_staff_without_the_permission_get_403(staff_client, make_customer, make_activity):
    customer = make_customer()
    activity = make_activity(customer)
    nobody, _ = staff_client(["invoices.view"])
    for method, urls in _urls(customer.id, activity.id).items():
        for url in urls:
            assert _call(nobody, method, url).status_code == 403, url
    reader, _ = staff_client(["customers.view"])
    html = _tab(reader, customer.id).get_data(as_text=True)
    assert "Call back" in html
    assert "New activity" not in html and "Mark done" not in html
    for url in _urls(customer.id, activity.id)["POST"]:
        assert reader.post(url, data={"subject": "x"}).status_code == 403, url
    assert db.session.get(Activity, activity.id).done_at is None


def test_view_own_staff_see_activities_only_of_their_customers(
    staff_client, make_customer, make_activity, write
):
    mine, theirs = make_customer("Mine Ltd"), make_customer("Theirs Ltd")
    client, own = staff_client(["customers.view_own", "customers.edit"])
    write()
    db.session.merge(mine).admins.append(db.session.merge(own))
    db.session.commit()
    my_activity = make_activity(mine, subject="Mine to do")
    their_activity = make_activity(theirs, subject="Theirs to do")
    assert "Mine to do" in _tab(client, mine.id).get_data(as_text=True)
    for method, urls in _urls(theirs.id, their_activity.id).items():
        for url in urls:
            assert _call(client, method, url).status_code == 404, url
    # an activity of another customer under one's own customer's address: 404 too
    for url in _urls(mine.id, their_activity.id)["POST"][1:]:
        assert client.post(url, data={"subject": "x"}).status_code == 404, url
    assert (
        client.get(f"/admin/customers/{mine.id}/activities/{their_activity.id}").status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(Activity, their_activity.id).done_at is None
    assert db.session.get(Activity, my_activity.id) is not None
