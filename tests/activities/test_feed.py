"""The per-staff calendar feed ``/admin/activities.ics?token=...``: the address is made on the
account pages (shown once), replaced or revoked; the feed needs no session, answers 404 for a
wrong, replaced or revoked secret, and never shows another member's activities."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar

from portal.models.base import utcnow

FEED = re.compile(r"http://portal\.test(/admin/activities\.ics\?token=cal_[A-Za-z0-9_-]+)")


def _new_address(client) -> str:
    response = client.post("/admin/account/calendar", data={"action": "new"})
    assert response.status_code == 200
    [path] = FEED.findall(response.get_data(as_text=True))
    return path


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_address_shown_once_on_the_account_pages(staff_client):
    client, _ = staff_client([])
    account = client.get("/admin/account").get_data(as_text=True)
    assert "/admin/account/calendar" in account
    assert "You have no calendar address." in client.get("/admin/account/calendar").get_data(
        as_text=True
    )
    path = _new_address(client)
    again = client.get("/admin/account/calendar").get_data(as_text=True)
    assert path.split("token=")[1] not in again  # only its fingerprint is kept
    assert "Revoke" in again


def test_feed_shows_only_my_open_activities_with_a_due_time(
    app, staff_client, make_customer, make_contact, make_activity
):
    client, me = staff_client([])
    _other_client, colleague = staff_client([])
    customer = make_customer("Acme Oy")
    contact = make_contact(customer, first_name="Maija", last_name="Virtanen")
    due = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    make_activity(
        customer, subject="Quarterly review", kind="meeting", due_at=due, assigned_to=me.id,
        contact_id=contact.id, body="Bring the numbers",
    )  # fmt: skip
    make_activity(customer, subject="Late call", due_at=due - timedelta(days=3), assigned_to=me.id)
    make_activity(customer, subject="Undated", assigned_to=me.id)
    make_activity(customer, subject="Finished", due_at=due, assigned_to=me.id, done=True)
    make_activity(customer, subject="Colleague's call", due_at=due, assigned_to=colleague.id)
    make_activity(customer, subject="Nobody's call", due_at=due)
    path = _new_address(client)

    response = app.test_client().get(path)  # no session
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    events = _events(response)
    assert set(events) == {"Quarterly review (Acme Oy)", "Late call (Acme Oy)"}
    review = events["Quarterly review (Acme Oy)"]
    assert review.decoded("dtstart") == due
    assert "Bring the numbers" in str(review["description"])
    assert "Maija Virtanen" in str(review["description"])
    assert str(review["url"]).endswith(f"/admin/customers/{customer.id}?tab=activities")
    assert "Colleague" not in response.get_data(as_text=True)


def test_feed_404_for_wrong_replaced_or_revoked_tokens(
    app, staff_client, make_customer, make_activity, deactivate
):
    client, me = staff_client([])
    make_activity(make_customer(), subject="Secret plan", due_at=utcnow(), assigned_to=me.id)
    anonymous = app.test_client()
    first = _new_address(client)
    assert anonymous.get(first).status_code == 200
    for wrong in (
        "/admin/activities.ics",
        "/admin/activities.ics?token=",
        "/admin/activities.ics?token=cal_wrong",
        first[:-1] + ("A" if first[-1] != "A" else "B"),
        first.replace("cal_", "pt_"),
    ):
        response = anonymous.get(wrong)
        assert response.status_code == 404, wrong
        assert "Secret plan" not in response.get_data(as_text=True)
    second = _new_address(client)  # a new address ends the old one
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    response = client.post("/admin/account/calendar", data={"action": "revoke"})
    assert response.status_code == 302
    assert anonymous.get(second).status_code == 404
    third = _new_address(client)
    deactivate(me)
    assert anonymous.get(third).status_code == 404


def test_another_members_token_never_shows_my_activities(
    app, staff_client, make_customer, make_activity
):
    mine, me = staff_client([])
    theirs, colleague = staff_client([])
    customer = make_customer()
    make_activity(customer, subject="Mine", due_at=utcnow(), assigned_to=me.id)
    make_activity(customer, subject="Theirs", due_at=utcnow(), assigned_to=colleague.id)
    my_feed, their_feed = _new_address(mine), _new_address(theirs)
    anonymous = app.test_client()
    assert [s.split(" (")[0] for s in _events(anonymous.get(my_feed))] == ["Mine"]
    assert [s.split(" (")[0] for s in _events(anonymous.get(their_feed))] == ["Theirs"]


def test_the_account_calendar_page_needs_a_staff_session(client, make_contact, login_contact):
    for response in (
        client.get("/admin/account/calendar"),
        client.post("/admin/account/calendar", data={"action": "new"}),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")
    login_contact(make_contact())
    response = client.post("/admin/account/calendar", data={"action": "new"})
    assert response.headers["Location"].startswith("/admin/login")
