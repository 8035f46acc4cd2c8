"""The files and links service: the attachment checks on uploads, http(s) links only, field
errors for bad input with nothing written, the audit trail, and what a contact may see."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, CustomerFile
from portal.services.customers import files
from portal.services.errors import ValidationError
from portal.services.platform.audit import Actor, acting_as
from portal.services.tickets import attachments
from tests.customer_files.conftest import PDF


def _stored_files() -> set[str]:
    return {p.name for p in attachments.upload_dir().iterdir()}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(CustomerFile)) or 0


def test_a_file_is_stored_like_an_attachment_and_audited(make_customer, make_staff, write):
    customer = make_customer()
    staff = make_staff()
    write()
    stored: list[str] = []
    with acting_as(Actor("staff", staff.id, staff.name)):
        item = files.add_file(
            customer,
            "../../Offer 2026.pdf",
            io.BytesIO(PDF),
            {"title": "", "description": "Signed", "visible_to_contacts": True},
            staff=staff,
            stored=stored,
        )
    db.session.commit()

    assert stored == [item.stored_name] and item.stored_name.isalnum()
    assert attachments.path_of(item.stored_name).read_bytes() == PDF
    assert (item.kind, item.title, item.original_name) == (
        "file",
        "Offer 2026.pdf",
        "Offer 2026.pdf",
    )
    assert (item.content_type, item.size, item.staff_id) == ("application/pdf", len(PDF), staff.id)
    assert item.visible_to_contacts is True and item.description == "Signed"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "CustomerFile"))
    assert entry is not None
    assert (entry.action, entry.customer_id, entry.actor) == (
        "create",
        customer.id,
        f"staff:{staff.id}",
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100, "is not really a .pdf file"),
        ("run.exe", b"MZ\x90\x00", "this kind of file is not accepted"),
        ("empty.txt", b"", "is empty"),
        ("photo.png", PDF, "is not really a .png file"),
    ],
)
def test_a_bad_file_is_refused_with_a_field_error_and_nothing_is_written(
    make_customer, write, name, data, message
):
    customer = make_customer()
    before = _stored_files()
    write()
    stored: list[str] = []
    with pytest.raises(ValidationError) as caught:
        files.add_file(customer, name, io.BytesIO(data), {}, staff=None, stored=stored)
    db.session.rollback()
    assert message in caught.value.fields["file"]
    assert stored == [] and _stored_files() == before and _count() == 0


def test_a_file_over_the_size_limit_is_refused(app, make_customer, write, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    customer = make_customer()
    write()
    big = b"a" * (1024 * 1024 + 1)
    with pytest.raises(ValidationError) as caught:
        files.add_file(customer, "big.txt", io.BytesIO(big), {}, staff=None, stored=[])
    db.session.rollback()
    assert "larger than 1 MB" in caught.value.fields["file"]
    assert _count() == 0


def test_no_file_and_a_too_long_title_are_field_errors(make_customer, write):
    customer = make_customer()
    write()
    with pytest.raises(ValidationError) as caught:
        files.add_file(customer, "", None, {"title": "x" * 201}, staff=None, stored=[])
    db.session.rollback()
    assert set(caught.value.fields) == {"file", "title"}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.com/x",
        "file:///etc/passwd",
        "http://",
        "https:///path-only",
        "//example.com/no-scheme",
        "example.com",
        "https://exa mple.com/",
        "https://example.com/\nX-Injected: 1",
        "http://[::1",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_a_link_must_be_an_http_or_https_address(make_customer, write, url):
    customer = make_customer()
    write()
    with pytest.raises(ValidationError) as caught:
        files.add_link(customer, {"title": "Bad", "url": url}, staff=None)
    db.session.rollback()
    assert "url" in caught.value.fields
    assert _count() == 0


def test_a_link_needs_a_title_and_keeps_its_address(make_customer, write):
    customer = make_customer()
    write()
    with pytest.raises(ValidationError) as caught:
        files.add_link(customer, {"title": " ", "url": "https://example.com"}, staff=None)
    assert set(caught.value.fields) == {"title"}
    db.session.rollback()
    write()
    link = files.add_link(
        customer, {"title": "Wiki", "url": "HTTPS://example.com/a?b=c#d"}, staff=None
    )
    db.session.commit()
    assert (link.kind, link.url, link.stored_name, link.visible_to_contacts) == (
        "link",
        "HTTPS://example.com/a?b=c#d",
        None,
        False,
    )


def test_update_changes_title_description_visibility_and_a_links_address(
    make_customer, make_file, make_link, write
):
    customer = make_customer()
    item = make_file(customer, visible=False)
    link = make_link(customer)
    write()
    files.update(
        item, {"title": "Signed contract", "description": "v2", "visible_to_contacts": True}
    )
    files.update(
        link, {"title": "Wiki", "url": "http://new.example.com", "visible_to_contacts": False}
    )
    db.session.commit()
    assert (item.title, item.description, item.visible_to_contacts) == (
        "Signed contract",
        "v2",
        True,
    )
    assert (link.url, link.visible_to_contacts) == ("http://new.example.com", False)
    write()
    with pytest.raises(ValidationError) as caught:
        files.update(link, {"title": "", "url": "javascript:x"})
    db.session.rollback()
    assert set(caught.value.fields) == {"title", "url"}
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.entity_type == "CustomerFile", AuditLog.entity_id == item.id
        )
    ).all()
    assert sorted(actions) == ["create", "update"]


def test_delete_returns_the_stored_name_for_after_the_commit(
    make_customer, make_file, make_link, write
):
    customer = make_customer()
    item = make_file(customer)
    link = make_link(customer)
    write()
    assert files.delete(item) == item.stored_name
    assert files.delete(link) is None
    db.session.commit()
    assert _count() == 0
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.entity_type == "CustomerFile", AuditLog.action == "delete"
        )
    ).all()
    assert actions == ["delete", "delete"]


def test_a_contact_sees_only_its_customers_visible_rows_with_the_permission(
    make_customer, make_contact, make_file, make_link
):
    mine, other = make_customer(), make_customer()
    primary = make_contact(mine)
    colleague = make_contact(mine, permissions=["invoices"])
    shown = make_file(mine)
    shown_link = make_link(mine)
    hidden = make_file(mine, visible=False)
    foreign = make_file(other)

    seen = set(db.session.scalars(files.visible_to(primary)).all())
    assert {i.id for i in seen} == {shown.id, shown_link.id}
    assert files.for_contact(shown.id, primary) is not None
    for pk in (hidden.id, foreign.id, 999999):
        assert files.for_contact(pk, primary) is None
    assert db.session.scalars(files.visible_to(colleague)).all() == []
    assert files.for_contact(shown.id, colleague) is None
