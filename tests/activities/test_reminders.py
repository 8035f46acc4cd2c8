"""``flask activities remind``: the assignee of each activity that has fallen due gets one
email through the outbox, in the member's language, delivered to a real SMTP server; never
twice, never for a done, undated or future activity or an inactive member."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Activity, OutboxEmail
from portal.services.platform import outbox
from tests.activities.conftest import NOW


def _remind(app, when=NOW):
    result = app.test_cli_runner().invoke(
        args=["activities", "remind", "--now", when.strftime("%Y-%m-%dT%H:%M")]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_due_activity_reminds_its_assignee_once_in_their_language(
    app, smtp_server, make_customer, make_contact, make_staff, make_activity
):
    customer = make_customer("Müller GmbH")
    contact = make_contact(customer, first_name="Anna", last_name="Schmidt")
    german = make_staff([], language="de", email="hans@example.com")
    english = make_staff([], email="jane@example.com")
    make_activity(
        customer, subject="Angebot nachfassen", kind="call", due_at=NOW - timedelta(minutes=5),
        assigned_to=german.id, contact_id=contact.id, body="Preise klären",
    )  # fmt: skip
    make_activity(customer, subject="Send contract", due_at=NOW, assigned_to=english.id)
    make_activity(
        customer, subject="Not yet", due_at=NOW + timedelta(minutes=1), assigned_to=german.id
    )
    make_activity(
        customer,
        subject="Done already",
        due_at=NOW - timedelta(days=1),
        assigned_to=german.id,
        done=True,
    )
    make_activity(customer, subject="No due time", assigned_to=german.id)
    make_activity(customer, subject="Nobody's", due_at=NOW - timedelta(days=1))

    output = _remind(app)
    assert "Queued 2 reminder(s)." in output
    assert outbox.deliver() == (2, 0)
    messages = {m["To"]: m for m in smtp_server.messages}
    assert set(messages) == {"hans@example.com", "jane@example.com"}

    de = messages["hans@example.com"]
    assert "Angebot nachfassen" in de["Subject"] and "Müller GmbH" in de["Subject"]
    text = de.get_body(preferencelist=("plain",)).get_content()
    html = de.get_body(preferencelist=("html",)).get_content()
    # In German (the greeting is translated already; the new sentences get their German
    # with the translation of the release).
    assert text.startswith(f"Guten Tag {german.name},")  # the shared greeting, formal German
    assert (
        db.session.scalar(
            select(OutboxEmail.language).where(OutboxEmail.recipient == "hans@example.com")
        )
        == "de"
    )
    assert "Anna Schmidt" in text and "Preise klären" in text
    link = f"http://portal.test/admin/customers/{customer.id}?tab=activities"
    assert link in text and f'href="{link}"' in html
    en = messages["jane@example.com"]
    assert "Send contract" in en["Subject"]
    en_text = en.get_body(preferencelist=("plain",)).get_content()
    assert en_text.startswith(f"Hello {english.name},")
    assert "An activity assigned to you is due:" in en_text

    # Run again: nothing new.
    assert "Queued 0 reminder(s)." in _remind(app)
    assert db.session.query(OutboxEmail).count() == 2
    # "Not yet" falls due a minute later and is reminded then, once.
    assert "Reminder queued: Not yet to hans@example.com" in _remind(app, NOW + timedelta(hours=3))
    assert "Queued 0 reminder(s)." in _remind(app, NOW + timedelta(hours=5))
    assert db.session.query(OutboxEmail).count() == 3


def test_no_reminder_for_an_inactive_assignee(
    app, make_customer, make_staff, make_activity, deactivate
):
    member = make_staff([])
    make_activity(
        make_customer(), subject="Orphan", due_at=NOW - timedelta(hours=1), assigned_to=member.id
    )
    deactivate(member)
    assert "Queued 0 reminder(s)." in _remind(app)
    assert db.session.scalar(select(Activity.reminded_at)) is None
    assert db.session.query(OutboxEmail).count() == 0
