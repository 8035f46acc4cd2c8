"""The outbox page: list with paging and a status filter; resend for failed emails."""

from __future__ import annotations

import uuid

from portal.extensions import db
from portal.models import OutboxEmail


def _email(status="sent", recipient="a@example.com", error=None):
    row = OutboxEmail(
        recipient=recipient,
        language="de",
        subject=f"Subject {recipient}",
        body_text="x",
        template="welcome",
        message_id=f"<{uuid.uuid4().hex}@t>",
        status=status,
        attempts=8 if status == "failed" else 1,
        last_error=error,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_list_shows_the_columns(staff_client, write):
    client, _me = staff_client(["settings.view"])
    write()
    _email("failed", "broken@example.com", "SMTPRecipientsRefused: no such user")
    body = client.get("/admin/outbox").get_data(as_text=True)
    for text in (
        "broken@example.com",
        "Subject broken@example.com",
        "SMTPRecipientsRefused",
        "Failed",
        ">de<",
        ">8<",
    ):
        assert text in body
    assert "Send again" not in body  # settings.view alone cannot resend


def test_status_filter_and_paging(staff_client, write, count_queries):
    client, _me = staff_client(["settings.view"])
    write()
    _email("failed", "f@example.com")
    for i in range(30):
        _email("sent", f"s{i}@example.com")
    failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "f@example.com" in failed and "s1@example.com" not in failed
    with count_queries() as q:
        page2 = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert "31 entries" in page2 and q.count <= 6
    assert client.get("/admin/outbox?status=bogus").status_code == 200


def test_resend_a_failed_email(staff_client, write):
    client, _me = staff_client(["settings.view", "settings.edit"])
    write()
    row = _email("failed", "retry@example.com", "boom")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Send again" in page
    response = client.post(f"/admin/outbox/{row.id}/resend")
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(OutboxEmail, row.id)
    assert row.status == "queued" and row.attempts == 0


def test_resend_of_a_sent_email_changes_nothing(staff_client, write):
    client, _me = staff_client(["settings.view", "settings.edit"])
    write()
    row = _email("sent")
    client.post(f"/admin/outbox/{row.id}/resend")
    db.session.expire_all()
    assert db.session.get(OutboxEmail, row.id).status == "sent"
    assert client.post("/admin/outbox/999999/resend").status_code == 404
