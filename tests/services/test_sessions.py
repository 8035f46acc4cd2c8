"""The sessions service: one row per sign-in, only the secret's hash stored, ending one or all,
idle sessions, the last-seen time written at most once a minute, and device names read from the
user agent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import UserSession
from portal.models.base import utcnow
from portal.services.customers import contacts
from portal.services.identity import sessions
from portal.services.platform.audit import SYSTEM, acting_as

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "browser", "system"),
    [
        (FIREFOX_WINDOWS, "Firefox", "Windows"),
        (SAFARI_IPHONE, "Safari", "iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Chrome",
            "macOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
            "Edge",
            "Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.6478.71 Mobile Safari/537.36",
            "Chrome",
            "Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet",
            "Android",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome",
            "iPad",
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox",
            "Linux",
        ),
        ("curl/8.5.0", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_device_from_the_user_agent(agent, browser, system):
    assert sessions.parse_device(agent) == (browser, system)


def test_device_name_is_short_and_readable():
    assert sessions.device_name(FIREFOX_WINDOWS) == "Firefox on Windows"
    assert sessions.device_name("curl/8.5.0") == "Unknown"


def test_a_session_stores_only_the_hash_of_its_secret(make_contact, write):
    contact = make_contact()
    write()
    secret = sessions.start(contact, FIREFOX_WINDOWS + " " * 300, "203.0.113.7")
    db.session.commit()
    row = db.session.scalars(db.select(UserSession)).one()
    assert secret not in (row.token_hash, row.user_agent)
    assert row.token_hash == sessions.hash_secret(secret)
    assert (row.account_kind, row.account_id) == ("contact", contact.id)
    assert row.device == "Firefox on Windows" and row.ip_address == "203.0.113.7"
    assert row.user_agent == FIREFOX_WINDOWS and row.ended_at is None
    assert sessions.find_active(secret) is row
    assert sessions.find_active("not-a-secret") is None
    assert sessions.find_active("") is None


def test_ending_one_and_ending_all_others(make_contact, write):
    contact, colleague = make_contact(), make_contact()
    write()
    phone = sessions.start(contact, SAFARI_IPHONE, "198.51.100.1")
    laptop = sessions.start(contact, FIREFOX_WINDOWS, "198.51.100.2")
    tablet = sessions.start(contact, None, None)
    theirs = sessions.start(colleague, FIREFOX_WINDOWS, None)
    db.session.commit()

    write()
    sessions.end(sessions.find_active(phone))
    db.session.commit()
    assert sessions.find_active(phone) is None
    assert {r.device for r in sessions.list_active(contact)} == {"Firefox on Windows", "Unknown"}

    write()
    kept = sessions.find_active(laptop)
    assert sessions.end_all(contact, except_record=kept) == 1
    db.session.commit()
    assert sessions.find_active(tablet) is None
    assert sessions.list_active(contact) == [kept]
    assert sessions.find_active(theirs) is not None  # another account's sessions go on

    write()
    assert sessions.end_all(contact) == 1
    db.session.commit()
    assert sessions.list_active(contact) == []


def test_one_can_only_pick_ones_own_session(make_contact, write):
    contact, other = make_contact(), make_contact()
    write()
    sessions.start(other, None, None)
    db.session.commit()
    theirs = db.session.scalars(db.select(UserSession)).one()
    assert sessions.get_active(other, theirs.id) is theirs
    assert sessions.get_active(contact, theirs.id) is None


def test_last_seen_is_written_at_most_once_a_minute(make_contact, write):
    contact = make_contact()
    write()
    secret = sessions.start(contact, None, None)
    db.session.commit()
    row = sessions.find_active(secret)
    assert not sessions.needs_touch(row)
    assert sessions.needs_touch(row, utcnow() + timedelta(seconds=61))
    write()
    row.last_seen_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert sessions.needs_touch(row)
    write()
    sessions.touch(row.id)
    db.session.commit()
    db.session.expire_all()
    assert utcnow() - sessions.find_active(secret).last_seen_at < timedelta(seconds=5)


def test_a_session_idle_for_a_month_has_ended(make_contact, write):
    contact = make_contact()
    write()
    secret = sessions.start(contact, None, None)
    db.session.commit()
    write()
    row = sessions.find_active(secret)
    row.last_seen_at = utcnow() - sessions.IDLE_LIMIT - timedelta(minutes=1)
    db.session.commit()
    assert sessions.find_active(secret) is None
    assert sessions.list_active(contact) == []


def test_a_session_of_a_deleted_contact_never_belongs_to_a_later_one(make_contact, write):
    """SQLite may give a new row the id of a deleted one: the session of the deleted contact
    must not sign in the new contact that got its id."""
    contact = make_contact()
    write()
    sessions.start(contact, None, None)
    db.session.commit()
    row = db.session.scalars(db.select(UserSession)).one()
    assert sessions.account_of(row) is contact
    customer = contact.customer
    write()
    with acting_as(SYSTEM):
        contacts.delete_contact(contact)
        db.session.commit()
    assert sessions.account_of(row) is None
    later = make_contact(customer)
    write()
    row.account_id = later.id  # as if the id had been reused
    db.session.commit()
    assert sessions.account_of(row) is None


def test_a_contact_deactivated_by_staff_or_the_api_is_signed_out_everywhere(make_contact, write):
    colleague = make_contact(primary=True)
    contact = make_contact(colleague.customer)
    write()
    with acting_as(SYSTEM):
        secrets_ = [sessions.start(contact, FIREFOX_WINDOWS, "192.0.2.1") for _ in range(2)]
        db.session.commit()
    write()
    with acting_as(SYSTEM):
        contacts.update_contact(contact, {"is_active": False})
        db.session.commit()

    assert [sessions.find_active(s) for s in secrets_] == [None, None]


def test_a_deactivated_customer_signs_out_all_its_contacts(make_contact, write):
    from portal.services import customers

    first = make_contact(primary=True)
    second = make_contact(first.customer)
    other = make_contact()
    write()
    with acting_as(SYSTEM):
        mine = [sessions.start(c, SAFARI_IPHONE, None) for c in (first, second)]
        theirs = sessions.start(other, SAFARI_IPHONE, None)
        db.session.commit()
    write()
    with acting_as(SYSTEM):
        customers.set_active(first.customer, False)
        db.session.commit()

    assert [sessions.find_active(s) for s in mine] == [None, None]
    assert sessions.find_active(theirs) is not None
