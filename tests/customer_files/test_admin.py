"""The customer card's Files and links tab: who may read and download (customer view, and
``view_own`` only for its customers), who may add, edit and delete (``customers.edit``; the
buttons are hidden and the server refuses the rest), delete behind a confirmation, bad uploads
and links refused with the message next to the field, and a fixed number of queries."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CustomerFile, customer_admins
from portal.models.database import begin_write
from portal.services.tickets import attachments
from tests.customer_files.conftest import PDF

READ = ["customers.view"]
EDIT = ["customers.view", "customers.edit"]


def _tab(customer_id: int) -> str:
    return f"/admin/customers/{customer_id}?tab=files"


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CustomerFile)) or 0


def _assign(staff, customer) -> None:
    begin_write(db.session)
    db.session.execute(customer_admins.insert().values(customer_id=customer.id, staff_id=staff.id))
    db.session.commit()


def test_an_editor_uploads_a_file_and_anyone_with_view_downloads_it(staff_client, make_customer):
    customer = make_customer()
    editor, _member = staff_client(EDIT)
    page = editor.get(f"/admin/customers/{customer.id}/files/new")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(
        as_text=True
    )

    response = editor.post(
        f"/admin/customers/{customer.id}/files/new",
        data={
            "file": (io.BytesIO(PDF), "Offer.pdf"),
            "title": "Signed offer",
            "description": "From March",
            "visible_to_contacts": "y",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/customers/{customer.id}?tab=files")
    item = db.session.scalar(select(CustomerFile))
    assert (item.title, item.original_name, item.visible_to_contacts) == (
        "Signed offer",
        "Offer.pdf",
        True,
    )

    reader, _member = staff_client(READ)
    tab = reader.get(_tab(customer.id)).get_data(as_text=True)
    assert "Signed offer" in tab and "From March" in tab and "Offer.pdf" in tab
    download = reader.get(f"/admin/customers/{customer.id}/files/{item.id}/download")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Offer.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_bad_upload_is_refused_next_to_the_field_and_nothing_is_kept(staff_client, make_customer):
    customer = make_customer()
    editor, _member = staff_client(EDIT)
    before = {p.name for p in attachments.upload_dir().iterdir()}
    response = editor.post(
        f"/admin/customers/{customer.id}/files/new",
        data={"file": (io.BytesIO(b"MZ\x90\x00rest"), "invoice.pdf"), "title": "Looks fine"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field-error" id="file-error"' in html
    assert "invoice.pdf is not really a .pdf file." in html
    assert _count() == 0
    assert {p.name for p in attachments.upload_dir().iterdir()} == before

    response = editor.post(
        f"/admin/customers/{customer.id}/files/new", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_an_editor_adds_and_edits_a_link_and_a_bad_address_is_refused(staff_client, make_customer):
    customer = make_customer()
    editor, _member = staff_client(EDIT)
    bad = editor.post(
        f"/admin/customers/{customer.id}/links/new",
        data={"title": "Evil", "url": "javascript:alert(1)"},
    )
    assert bad.status_code == 422
    assert "Enter a web address starting with http:// or https://." in bad.get_data(as_text=True)
    assert _count() == 0

    response = editor.post(
        f"/admin/customers/{customer.id}/links/new",
        data={"title": "Project wiki", "url": "https://wiki.example.com/p"},
    )
    assert response.status_code == 302
    link = db.session.scalar(select(CustomerFile))
    assert (link.kind, link.visible_to_contacts) == ("link", False)
    html = editor.get(_tab(customer.id)).get_data(as_text=True)
    assert 'href="https://wiki.example.com/p" rel="noopener noreferrer nofollow"' in html

    edit_url = f"/admin/customers/{customer.id}/files/{link.id}/edit"
    assert editor.get(edit_url).status_code == 200
    response = editor.post(
        edit_url,
        data={"title": "Wiki", "url": "https://wiki.example.com/q", "visible_to_contacts": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    link = db.session.get(CustomerFile, link.id)
    assert (link.title, link.url, link.visible_to_contacts) == (
        "Wiki",
        "https://wiki.example.com/q",
        True,
    )
    response = editor.post(edit_url, data={"title": "", "url": "https://x.example.com"})
    assert response.status_code == 422 and 'id="title-error"' in response.get_data(as_text=True)


def test_delete_asks_for_confirmation_then_removes_the_row_and_the_file(
    staff_client, make_customer, make_file
):
    customer = make_customer()
    item = make_file(customer, title="Old price list")
    path = attachments.path_of(item.stored_name)
    assert path.exists()
    editor, _member = staff_client(EDIT)
    html = editor.get(_tab(customer.id)).get_data(as_text=True)
    delete_url = f"/admin/customers/{customer.id}/files/{item.id}/delete"
    # The delete button sits inside a closed <details> confirmation box, with the question.
    start = html.index('<details class="confirm"><summary class="link danger">Delete<span')
    box = html[start : html.index("</details>", start)]
    assert "Delete Old price list? Contacts will no longer see it." in box
    assert f'action="{delete_url}"' in box and "Yes, delete" in box

    assert editor.get(delete_url).status_code == 405  # never by a plain link
    response = editor.post(delete_url)
    assert response.status_code == 302
    assert _count() == 0
    assert not path.exists()


def test_staff_without_customers_edit_can_only_read(staff_client, make_customer, make_file):
    customer = make_customer()
    item = make_file(customer, title="Framework agreement")
    reader, _member = staff_client(READ)
    html = reader.get(_tab(customer.id)).get_data(as_text=True)
    assert "Framework agreement" in html
    for hidden in (
        "/files/new",
        "/links/new",
        f"/files/{item.id}/edit",
        f"/files/{item.id}/delete",
    ):
        assert f"/admin/customers/{customer.id}{hidden}" not in html
    assert "Yes, delete" not in html
    base = f"/admin/customers/{customer.id}"
    assert reader.get(f"{base}/files/new").status_code == 403
    assert (
        reader.post(f"{base}/links/new", data={"title": "x", "url": "https://x.org"}).status_code
        == 403
    )
    assert reader.post(f"{base}/files/{item.id}/edit", data={"title": "Changed"}).status_code == 403
    assert reader.post(f"{base}/files/{item.id}/delete").status_code == 403
    assert reader.get(f"{base}/files/{item.id}/download").status_code == 200
    db.session.expire_all()
    assert db.session.get(CustomerFile, item.id).title == "Framework agreement"


def test_view_own_staff_reach_files_only_of_their_customers(staff_client, make_customer, make_file):
    mine, other = make_customer(), make_customer()
    my_file, other_file = make_file(mine, title="Mine"), make_file(other, title="Theirs")
    client, member = staff_client(["customers.view_own", "customers.edit"])
    _assign(member, mine)

    assert "Mine" in client.get(_tab(mine.id)).get_data(as_text=True)
    assert client.get(f"/admin/customers/{mine.id}/files/{my_file.id}/download").status_code == 200
    assert client.get(_tab(other.id)).status_code == 404
    for path in (
        f"/admin/customers/{other.id}/files/{other_file.id}/download",
        f"/admin/customers/{mine.id}/files/{other_file.id}/download",  # guessed id, own customer
        f"/admin/customers/{mine.id}/files/{other_file.id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(f"/admin/customers/{other.id}/files/{other_file.id}/delete").status_code == 404
    )
    assert (
        client.post(f"/admin/customers/{mine.id}/files/{other_file.id}/delete").status_code == 404
    )
    assert (
        client.post(
            f"/admin/customers/{other.id}/links/new", data={"title": "x", "url": "https://x.org"}
        ).status_code
        == 404
    )
    assert _count() == 2


def test_anonymous_and_contacts_are_sent_to_the_staff_login(
    client, make_customer, make_file, make_contact, login_contact
):
    customer = make_customer()
    item = make_file(customer)
    paths = [_tab(customer.id), f"/admin/customers/{customer.id}/files/{item.id}/download"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    response = client.post(f"/admin/customers/{customer.id}/files/{item.id}/delete")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    login_contact(make_contact(customer))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert _count() == 1


def _added_by(member) -> None:
    begin_write(db.session)
    db.session.execute(CustomerFile.__table__.update().values(staff_id=member.id))
    db.session.commit()


def test_the_tab_runs_the_same_queries_for_3_and_30_items(
    staff_client, make_customer, make_staff, make_file, make_link, count_queries
):
    customer = make_customer()
    client, member = staff_client(EDIT)
    for i in range(3):
        make_file(customer, title=f"File {i}") if i % 2 else make_link(customer, title=f"Link {i}")
    _added_by(member)
    with count_queries() as few:
        html = client.get(_tab(customer.id)).get_data(as_text=True)
    assert html.count("<tr>") == 3 + 1
    for i in range(3, 30):
        make_file(customer, title=f"File {i}") if i % 2 else make_link(customer, title=f"Link {i}")
    _added_by(member)
    with count_queries() as many:
        html = client.get(_tab(customer.id)).get_data(as_text=True)
    assert html.count("<tr>") == 30 + 1
    assert many.count == few.count
