"""A document link (``/d/<token>``) opens its own document and nothing else, stops after
revocation and expiry, refuses a token changed in any one character (410 with a way to sign in),
never signs the visitor in, is in the recipient's language, and is kept out of referrers,
search engines and caches."""

from __future__ import annotations

import string

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, DocumentLink, Estimate, OutboxEmail
from portal.models.database import begin_write
from portal.services.billing import document_links
from portal.services.platform.audit import SYSTEM, acting_as
from tests.documents.conftest import expire, link_of

ALPHABET = string.ascii_letters + string.digits + "-_"


@pytest.fixture
def customer_docs(make_contact, make_invoice, make_estimate):
    contact = make_contact(first_name="Aino", last_name="Virtanen", primary=True)
    customer = contact.customer
    return {
        "contact": contact,
        "invoice": make_invoice(customer, issue=True),
        "other_invoice": make_invoice(customer, issue=True),
        "estimate": make_estimate(customer, send=True),
        "other_estimate": make_estimate(customer, send=True),
    }


def _assert_gone(response) -> None:
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert 'href="/clients/login"' in body
    assert "Link no longer valid" in body


def test_a_link_opens_only_its_own_document(client, send_link, customer_docs):
    invoice, other = customer_docs["invoice"], customer_docs["other_invoice"]
    path = send_link(invoice, customer_docs["contact"])

    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"Invoice {invoice.number}" in body and other.number not in body
    assert f'href="{path}/pdf"' in body
    pdf = client.get(f"{path}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert invoice.number in pdf.headers["Content-Disposition"]

    # The portal's paths under the link: its own document only.
    assert client.get(f"{path}/invoices/{invoice.id}").headers["Location"] == path
    assert client.get(f"{path}/invoices/{other.id}").status_code == 404
    assert client.get(f"{path}/estimates/{customer_docs['estimate'].id}").status_code == 404
    assert client.get(f"{path}/estimates/{invoice.id}").status_code == 404
    # An invoice's link has no estimate answer.
    assert client.post(f"{path}/accept", data={"name": "Aino"}).status_code == 404


def test_another_estimate_is_not_answered_through_a_link(client, send_link, customer_docs):
    estimate, other = customer_docs["estimate"], customer_docs["other_estimate"]
    path = send_link(estimate, customer_docs["contact"])

    assert client.get(f"{path}/estimates/{other.id}").status_code == 404
    assert client.post(f"{path}/accept", data={"name": "Aino Virtanen"}).status_code == 302

    db.session.expire_all()
    assert db.session.get(Estimate, estimate.id).status == "accepted"
    assert db.session.get(Estimate, other.id).status == "sent"


def test_a_revoked_link_answers_410(client, send_link, customer_docs, make_staff):
    estimate = customer_docs["estimate"]
    path = send_link(estimate, customer_docs["contact"])
    assert client.get(path).status_code == 200
    staff = make_staff()

    begin_write(db.session)
    with acting_as(SYSTEM):
        document_links.revoke(link_of(path), db.session.merge(staff))
        db.session.commit()

    _assert_gone(client.get(path))
    _assert_gone(client.get(f"{path}/pdf"))
    _assert_gone(client.get(f"{path}/estimates/{estimate.id}"))
    _assert_gone(client.post(f"{path}/accept", data={"name": "Aino Virtanen"}))
    db.session.expire_all()
    assert db.session.get(Estimate, estimate.id).status == "sent"


def test_a_link_stops_at_its_expiry(app, client, send_link, customer_docs):
    invoice = customer_docs["invoice"]
    path = send_link(invoice, customer_docs["contact"])
    link = link_of(path)
    assert (link.expires_at - link.created_at).days == app.config["DOCUMENT_LINK_DAYS"] == 30
    assert client.get(path).status_code == 200

    expire(path, days_ago=0)  # ends now
    _assert_gone(client.get(path))
    _assert_gone(client.get(f"{path}/pdf"))


def test_any_one_character_changed_in_the_token_is_410(client, send_link, customer_docs):
    path = send_link(customer_docs["invoice"], customer_docs["contact"])
    token = path.removeprefix("/d/")
    assert client.get(path).status_code == 200
    for i, char in enumerate(token):
        nearby = ALPHABET[(ALPHABET.find(char) + 1) % len(ALPHABET)]
        for replacement in {nearby, "A", "w"} - {char}:
            changed = token[:i] + replacement + token[i + 1 :]
            response = client.get(f"/d/{changed}")
            assert response.status_code == 410, (i, changed)
    _assert_gone(client.get(f"/d/{token}x"))
    for inserted in ("%C3%A9", "!", "~"):  # "é" and others the base64 decoder would skip
        _assert_gone(client.get(f"/d/{token[:-3]}{inserted}{token[-3:]}"))
    _assert_gone(client.get(f"/d/{token[:-1]}"))
    _assert_gone(client.get("/d/not-a-token"))


def test_a_link_whose_recipient_left_no_longer_works(client, send_link, customer_docs):
    contact = customer_docs["contact"]
    path = send_link(customer_docs["invoice"], contact)
    assert client.get(path).status_code == 200

    begin_write(db.session)
    db.session.merge(contact).email = "someone.else@example.com"
    db.session.commit()
    _assert_gone(client.get(path))


def test_the_visitor_is_never_signed_in(client, send_link, customer_docs):
    estimate = customer_docs["estimate"]
    path = send_link(estimate, customer_docs["contact"])

    assert client.get(path).status_code == 200
    assert client.get(f"{path}/pdf").status_code == 200
    assert client.post(f"{path}/accept", data={"name": "Aino Virtanen"}).status_code == 302
    assert client.get(path).status_code == 200

    for area in ("/clients/", f"/clients/estimates/{estimate.id}", "/clients/invoices"):
        response = client.get(area)
        assert response.status_code == 302, area
        assert response.headers["Location"].startswith("/clients/login"), area
    assert client.get("/admin/").headers["Location"].startswith("/admin/login")


def test_accepting_through_a_link_is_audited_with_the_typed_name(
    client, send_link, customer_docs, make_staff
):
    estimate, contact = customer_docs["estimate"], customer_docs["contact"]
    boss = make_staff()  # the Administrator sees all estimates: told of the answer
    path = send_link(estimate, contact)

    empty = client.post(f"{path}/accept", data={"name": "  "})
    assert empty.status_code == 422
    assert "Type your name to accept the estimate." in empty.get_data(as_text=True)

    response = client.post(f"{path}/accept", data={"name": "Aino Virtanen"})
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "Thank you: you accepted the estimate." in page
    assert "Accepted by Aino Virtanen" in page and 'name="name"' not in page

    db.session.expire_all()
    stored = db.session.get(Estimate, estimate.id)
    assert (stored.status, stored.accepted_by_name) == ("accepted", "Aino Virtanen")
    updates = db.session.scalars(
        select(AuditLog).where(
            AuditLog.entity_type == "Estimate",
            AuditLog.entity_id == estimate.id,
            AuditLog.action == "update",
        )
    ).all()
    [row] = [r for r in updates if "accepted_by_name" in r.changes]
    assert row.actor == f"contact:{contact.id}" and row.actor_name == "Aino Virtanen"
    assert row.changes["accepted_by_name"] == [None, "Aino Virtanen"]
    assert row.changes["status"] == ["sent", "accepted"]
    assert row.customer_id == contact.customer_id
    # Staff hear of the answer as from the portal.
    told = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == boss.email))
    assert [m.template for m in told] == ["estimate_response_staff"]
    # Answered once: a second answer through the link is refused.
    again = client.post(f"{path}/decline", data={"reason": "Changed my mind"})
    assert again.status_code == 409
    assert db.session.get(Estimate, estimate.id).status == "accepted"


def test_declining_through_a_link_needs_a_reason(client, send_link, customer_docs):
    estimate = customer_docs["estimate"]
    path = send_link(estimate, customer_docs["contact"])

    assert client.post(f"{path}/decline", data={"reason": ""}).status_code == 422
    assert client.post(f"{path}/decline", data={"reason": "Too expensive"}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Estimate, estimate.id)
    assert (stored.status, stored.decline_reason) == ("declined", "Too expensive")


def test_the_page_is_in_the_recipient_language(client, send_link, make_contact, make_invoice):
    contact = make_contact(language="de", primary=True)
    invoice = make_invoice(contact.customer, issue=True)
    path = send_link(invoice, contact)

    body = client.get(path, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<html lang="de">' in body and f"Rechnung {invoice.number}" in body
    expire(path)
    gone = client.get(path, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<html lang="de">' in gone


def test_the_page_is_private_and_has_no_portal_navigation(client, send_link, customer_docs):
    path = send_link(customer_docs["invoice"], customer_docs["contact"])

    for response in (client.get(path), client.get(f"{path}/pdf"), client.get("/d/forged")):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response.headers["Cache-Control"]
    body = client.get(path).get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert '<meta name="referrer" content="no-referrer">' in body
    assert 'href="/clients/' not in body and "portal-nav" not in body
    assert "Sign out" not in body


def test_openings_are_counted_on_the_link(client, send_link, customer_docs):
    path = send_link(customer_docs["invoice"], customer_docs["contact"])
    assert (link_of(path).open_count, link_of(path).last_opened_at) == (0, None)

    client.get(path)
    client.get(path)
    client.get(f"{path}/pdf")  # the PDF is not an opening of the page

    link = link_of(path)
    assert link.open_count == 2 and link.last_opened_at is not None
    creates = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_type == "DocumentLink")
    ).all()
    assert creates == ["create"]  # openings are not audited


def test_a_draft_has_no_link(app, make_contact, make_invoice):
    contact = make_contact()
    draft = make_invoice(contact.customer)
    with pytest.raises(ValueError):
        document_links.create_link(draft, contact)
    assert db.session.scalars(select(DocumentLink)).all() == []
