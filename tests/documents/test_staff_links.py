"""Staff see the links sent for an invoice or an estimate (recipient, sent, valid until, opened,
status) and revoke one with a POST (audited), given the permission to edit that kind of
document; who must not: the anonymous visitor, a contact, staff without the permission, and a
``view_own`` member for another customer's document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, customer_admins
from portal.models.database import begin_write
from tests.documents.conftest import link_of

KINDS = ["invoice", "estimate"]


@pytest.fixture
def sent(make_contact, make_invoice, make_estimate, send_link):
    """For each kind: a document with one link, and another document of the same customer."""
    contact = make_contact(first_name="Aino", last_name="Virtanen", primary=True)
    customer = contact.customer
    documents = {
        "invoice": (make_invoice(customer, issue=True), make_invoice(customer, issue=True)),
        "estimate": (make_estimate(customer, send=True), make_estimate(customer, send=True)),
    }
    return {
        kind: {
            "document": doc,
            "other": other,
            "path": send_link(doc, contact),
            "other_path": send_link(other, contact),
        }
        for kind, (doc, other) in documents.items()
    } | {"contact": contact}


def _urls(kind: str, case: dict) -> tuple[str, str]:
    document, link = case["document"], link_of(case["path"])
    page = f"/admin/{kind}s/{document.id}"
    return page, f"{page}/links/{link.id}/revoke"


@pytest.mark.parametrize("kind", KINDS)
def test_staff_see_the_links_and_revoke_one(client, login_staff, sent, kind):
    case = sent[kind]
    page_url, revoke_url = _urls(kind, case)
    assert client.get(case["path"]).status_code == 200  # opened once
    staff = login_staff(permissions=[f"{kind}s.view", f"{kind}s.edit"])

    page = client.get(page_url).get_data(as_text=True)
    assert "Links sent" in page and "Aino Virtanen" in page and sent["contact"].email in page
    assert "Active" in page and f'action="{revoke_url}"' in page
    other_link = link_of(case["other_path"])
    assert f"/links/{other_link.id}/revoke" not in page  # only this document's links

    response = client.post(revoke_url)
    assert response.status_code == 302 and response.headers["Location"] == page_url
    assert client.get(case["path"]).status_code == 410
    assert client.get(case["other_path"]).status_code == 200

    link = link_of(case["path"])
    assert link.revoked_at is not None and link.revoked_by_id == staff.id
    [row] = db.session.scalars(
        select(AuditLog).where(
            AuditLog.entity_type == "DocumentLink",
            AuditLog.entity_id == link.id,
            AuditLog.action == "update",
        )
    ).all()
    assert row.actor == f"staff:{staff.id}" and row.changes["revoked_at"][0] is None
    assert row.customer_id == sent["contact"].customer_id
    page = client.get(page_url).get_data(as_text=True)
    assert "Revoked" in page and f'action="{revoke_url}"' not in page


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_of_another_document_is_not_revoked_through_this_one(
    client, login_staff, sent, kind
):
    case = sent[kind]
    other_link = link_of(case["other_path"])
    login_staff()
    response = client.post(f"/admin/{kind}s/{case['document'].id}/links/{other_link.id}/revoke")
    assert response.status_code == 404
    assert client.get(case["other_path"]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_and_contacts_are_sent_to_the_staff_login(client, login_contact, sent, kind):
    page_url, revoke_url = _urls(kind, sent[kind])
    for visitor in ("anonymous", "contact"):
        if visitor == "contact":
            login_contact(sent["contact"])
        for response in (client.get(page_url), client.post(revoke_url)):
            assert response.status_code == 302, visitor
            assert response.headers["Location"].startswith("/admin/login"), visitor
    assert client.get(sent[kind]["path"]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_staff_without_the_edit_permission_see_no_revoke(staff_client, sent, kind):
    case = sent[kind]
    page_url, revoke_url = _urls(kind, case)

    viewer, _member = staff_client([f"{kind}s.view"])
    page = viewer.get(page_url).get_data(as_text=True)
    assert "Links sent" in page and f'action="{revoke_url}"' not in page
    assert viewer.post(revoke_url).status_code == 403

    outsider, _member = staff_client(["customers.view", "tickets.view"])
    assert outsider.get(page_url).status_code == 403
    assert outsider.post(revoke_url).status_code == 403
    assert link_of(case["path"]).revoked_at is None


@pytest.mark.parametrize("kind", KINDS)
def test_view_own_staff_reach_only_their_customers_links(staff_client, sent, kind):
    case = sent[kind]
    page_url, revoke_url = _urls(kind, case)
    client, member = staff_client([f"{kind}s.view_own", f"{kind}s.edit"])

    assert client.get(page_url).status_code == 404
    assert client.post(revoke_url).status_code == 404
    assert link_of(case["path"]).revoked_at is None

    begin_write(db.session)
    db.session.execute(
        customer_admins.insert().values(staff_id=member.id, customer_id=sent["contact"].customer_id)
    )
    db.session.commit()
    assert "Links sent" in client.get(page_url).get_data(as_text=True)
    assert client.post(revoke_url).status_code == 302
    assert link_of(case["path"]).revoked_at is not None


def test_a_draft_shows_no_links_panel(client, login_staff, make_invoice):
    login_staff()
    draft = make_invoice()
    assert "Links sent" not in client.get(f"/admin/invoices/{draft.id}").get_data(as_text=True)
