"""The portal's Documents page: a contact sees only the files and links marked visible, only
of its own customer, and only with the ``documents`` permission; anything else is 404, ids
guessed or not; the navigation links it only with the permission; fixed number of queries."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Contact
from portal.models.database import begin_write
from portal.services.customers import contacts
from tests.customer_files.conftest import PDF


def _download(item) -> str:
    return f"/clients/documents/{item.id}/download"


def test_a_contact_sees_only_its_customers_visible_files_and_links(
    make_customer, make_contact, make_file, make_link, contact_client
):
    mine, other = make_customer(), make_customer()
    contact = make_contact(mine)
    shown = make_file(mine, title="Price list 2026", name="prices.pdf")
    link = make_link(mine, title="Project wiki", url="https://wiki.example.com/p")
    hidden = make_file(mine, visible=False, title="Internal margin sheet", name="margins.pdf")
    hidden_link = make_link(mine, visible=False, title="Staff wiki")
    foreign = make_file(other, title="Other customer's contract", name="theirs.pdf")
    client = contact_client(contact)

    html = client.get("/clients/documents").get_data(as_text=True)
    assert "Price list 2026" in html and "Project wiki" in html
    assert 'href="https://wiki.example.com/p" rel="noopener noreferrer nofollow"' in html
    for absent in ("Internal margin sheet", "Staff wiki", "Other customer", "margins.pdf"):
        assert absent not in html
    assert 'href="/clients/documents"' in html  # the navigation link

    download = client.get(_download(shown))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    # Hidden, another customer's, a link (no file) or an id nobody has: all 404.
    for item_id in (hidden.id, hidden_link.id, foreign.id, link.id, foreign.id + 1000):
        response = client.get(f"/clients/documents/{item_id}/download")
        assert response.status_code == 404, item_id


def test_guessing_every_id_reveals_nothing_of_another_customer(
    make_customer, make_contact, make_file, contact_client
):
    mine, other = make_customer(), make_customer()
    contact = make_contact(mine)
    own = make_file(mine)
    theirs = [make_file(other, title=f"Theirs {i}") for i in range(3)]
    client = contact_client(contact)
    codes = {
        pk: client.get(f"/clients/documents/{pk}/download").status_code
        for pk in range(1, max(t.id for t in theirs) + 3)
    }
    assert {pk for pk, code in codes.items() if code == 200} == {own.id}
    assert set(codes.values()) == {200, 404}


def test_without_the_documents_permission_everything_is_404_and_no_link(
    make_customer, make_contact, make_file, contact_client
):
    customer = make_customer()
    make_contact(customer)  # the primary contact has every permission
    limited = make_contact(customer, permissions=["invoices", "tickets"])
    item = make_file(customer)
    client = contact_client(limited)
    assert client.get("/clients/documents").status_code == 404
    assert client.get(_download(item)).status_code == 404
    assert 'href="/clients/documents"' not in client.get("/clients/").get_data(as_text=True)

    begin_write(db.session)
    contacts.update_contact(db.session.get(Contact, limited.id), {"permissions": ["documents"]})
    db.session.commit()
    assert client.get("/clients/documents").status_code == 200
    assert client.get(_download(item)).status_code == 200
    assert 'href="/clients/documents"' in client.get("/clients/").get_data(as_text=True)


def test_anonymous_and_staff_sessions_are_sent_to_the_portal_login(
    client, make_customer, make_file, login_staff
):
    item = make_file(make_customer())
    for path in ("/clients/documents", _download(item)):
        response = client.get(path)
        assert response.status_code == 302 and "/clients/login" in response.headers["Location"]
    login_staff()
    for path in ("/clients/documents", _download(item)):
        response = client.get(path)
        assert response.status_code == 302 and "/clients/login" in response.headers["Location"]


def test_an_empty_page_says_so(make_contact, contact_client):
    html = contact_client(make_contact()).get("/clients/documents").get_data(as_text=True)
    assert "There are no documents yet." in html


def test_the_page_runs_the_same_queries_for_3_and_30_items(
    make_customer, make_contact, make_file, make_link, contact_client, count_queries
):
    customer = make_customer()
    client = contact_client(make_contact(customer))
    for i in range(3):
        make_file(customer, title=f"File {i}") if i % 2 else make_link(customer, title=f"Link {i}")
    with count_queries() as few:
        html = client.get("/clients/documents").get_data(as_text=True)
    assert html.count("<tr>") == 3 + 1
    for i in range(3, 30):
        make_file(customer, title=f"File {i}") if i % 2 else make_link(customer, title=f"Link {i}")
    with count_queries() as many:
        html = client.get("/clients/documents").get_data(as_text=True)
    assert html.count("<tr>") == 30 + 1
    assert many.count == few.count
