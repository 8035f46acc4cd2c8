"""Admin invoice pages: who must NOT see them, the list with filters and a fixed query count,
drafts with line rows (without JavaScript), bad input next to the field, the version conflict,
gapless numbers through the UI, PDFs with ETags, payments, cancel, credit notes, duplicates,
emails, the ZIP export and the statement of account."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Invoice, OutboxEmail, Payment, TaxClass, TaxRate
from portal.services.platform.audit import SYSTEM, acting_as
from tests.admin.conftest import reload

EDITOR = ["invoices.view", "invoices.create", "invoices.edit", "invoices.delete", "payments.create"]


@pytest.fixture(autouse=True)
def _pdf_cache(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "pdf-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(folder))
    return folder


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def line(i: int, description: str = "", quantity: str = "", price: str = "", **extra) -> dict:
    data = {
        f"lines-{i}-description": description,
        f"lines-{i}-quantity": quantity,
        f"lines-{i}-unit_price": price,
        f"lines-{i}-discount": extra.get("discount", "0"),
    }
    if "tax" in extra:
        data[f"lines-{i}-tax"] = extra["tax"]
    return data


def draft_form(*rows: dict, **fields) -> dict:
    data = {"issue_date": "", "due_date": "", "notes": "", "terms": "", **fields}
    for row in rows:
        data.update(row)
    return data


@pytest.fixture
def rates(app, write):
    write()
    with acting_as(SYSTEM):
        standard = TaxRate(name="Standard", percent=Decimal("24"))
        reduced = TaxRate(name="Reduced", percent=Decimal("10"))
        db.session.add_all([standard, reduced])
        db.session.flush()
        db.session.add(TaxClass(name="Finland", default_tax_rate=standard))
        db.session.commit()
    return {"standard": standard.id, "reduced": reduced.id}


@pytest.fixture
def customer(make_customer, make_contact, rates):
    customer = make_customer(
        "Virtanen Oy",
        tax_class_id=db.session.scalar(select(TaxClass.id)),
        invoice_fields=["PO number"],
    )
    make_contact(
        customer, first_name="Aino", last_name="Virtanen", email="aino@example.fi", is_primary=True
    )
    return db.session.get(Customer, customer.id)


def create_draft(client, customer, *rows, **fields) -> Invoice:
    response = client.post(
        f"/admin/customers/{customer.id}/invoices/new", data=draft_form(*rows, **fields)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    invoice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Invoice, invoice_id)


# -- who must NOT see the pages ---------------------------------------------------------------


def test_anonymous_and_contacts_are_sent_to_the_staff_login(
    client, make_invoice, make_contact, login_contact
):
    invoice = make_invoice(issue=True)
    paths = [
        "/admin/invoices",
        f"/admin/invoices/{invoice.id}",
        f"/admin/invoices/{invoice.id}/pdf",
        f"/admin/invoices/{invoice.id}/edit",
    ]
    for path in paths:
        assert "/admin/login" in client.get(path).location
    login_contact(make_contact(invoice.customer))
    for path in paths:
        assert "/admin/login" in client.get(path).location
    assert "/admin/login" in client.post(f"/admin/invoices/{invoice.id}/issue").location


def test_staff_without_the_permission_gets_403(staff_client, make_invoice):
    invoice = make_invoice(issue=True)
    draft = make_invoice(invoice.customer)
    client, _ = staff_client(["customers.view", "estimates.view"])
    for path in (
        "/admin/invoices",
        f"/admin/invoices/{invoice.id}",
        f"/admin/invoices/{invoice.id}/pdf",
        f"/admin/customers/{invoice.customer_id}/invoices/new",
        f"/admin/customers/{invoice.customer_id}/statement",
        f"/admin/customers/{invoice.customer_id}/invoices.zip",
    ):
        assert client.get(path).status_code == 403, path
    viewer, _ = staff_client(["invoices.view"])
    assert viewer.get(f"/admin/invoices/{draft.id}/edit").status_code == 403
    assert viewer.post(f"/admin/invoices/{draft.id}/issue").status_code == 403
    assert viewer.post(f"/admin/invoices/{draft.id}/delete").status_code == 403
    assert (
        viewer.post(f"/admin/invoices/{invoice.id}/payments", data={"amount": "1"}).status_code
        == 403
    )
    assert reload(draft).status == "draft" and not reload(invoice).payments
    # The detail page shows no buttons the member may not use.
    body = viewer.get(f"/admin/invoices/{draft.id}").get_data(as_text=True)
    assert "/issue" not in body and "/delete" not in body and "/edit" not in body


def test_view_own_staff_see_only_assigned_customers(
    staff_client, make_customer, make_invoice, write
):
    mine, other = make_customer("Mine Oy"), make_customer("Other Oy")
    my_invoice, other_invoice = make_invoice(mine, issue=True), make_invoice(other, issue=True)
    other_draft = make_invoice(other)
    client, member = staff_client(
        [
            "invoices.view_own",
            "invoices.edit",
            "invoices.create",
            "invoices.delete",
            "payments.create",
        ]
    )
    write()
    db.session.get(Customer, mine.id).admins.append(db.session.get(type(member), member.id))
    db.session.commit()
    listing = client.get("/admin/invoices").get_data(as_text=True)
    assert my_invoice.number in listing and other_invoice.number not in listing
    assert client.get(f"/admin/invoices/{my_invoice.id}").status_code == 200
    for path in (
        f"/admin/invoices/{other_invoice.id}",
        f"/admin/invoices/{other_invoice.id}/pdf",
        f"/admin/invoices/{other_draft.id}/edit",
        f"/admin/customers/{other.id}/invoices/new",
        f"/admin/customers/{other.id}/statement",
        f"/admin/customers/{other.id}/invoices.zip",
        f"/admin/invoices?customer={other.id}",
    ):
        assert client.get(path).status_code == 404, path
    for action in ("issue", "cancel", "delete", "duplicate", "credit-note", "send"):
        assert client.post(f"/admin/invoices/{other_draft.id}/{action}").status_code == 404
    assert (
        client.post(
            f"/admin/invoices/{other_invoice.id}/payments",
            data={"amount": "1", "paid_at": date.today().isoformat()},
        ).status_code
        == 404
    )
    assert reload(other_draft).status == "draft" and not reload(other_invoice).payments


# -- list -------------------------------------------------------------------------------------


def test_list_filters_by_status_overdue_kind_customer_and_dates(
    staff_client, make_customer, make_invoice, write
):
    a, b = make_customer("Alpha Oy"), make_customer("Beta Oy")
    paid = make_invoice(a, issue=True)
    overdue = make_invoice(a, issue=True)
    draft = make_invoice(b)
    old = make_invoice(b, issue=True)
    write()
    db.session.get(Invoice, overdue.id).due_date = date.today() - timedelta(days=5)
    db.session.get(Invoice, old.id).issue_date = date(2020, 1, 15)
    row = db.session.get(Invoice, paid.id)
    row.status, row.amount_paid = "paid", row.total
    db.session.commit()
    client, _ = staff_client(["invoices.view"])

    def numbers(query: str) -> set[str]:
        body = client.get(f"/admin/invoices?{query}").get_data(as_text=True)
        return set(re.findall(r"INV-\d{6}", body)) | (
            {"draft"} if f'/admin/invoices/{draft.id}"' in body else set()
        )

    assert numbers("") == {paid.number, overdue.number, old.number, "draft"}
    assert numbers("status=overdue") == {overdue.number}
    assert numbers("status=paid") == {paid.number}
    assert numbers("status=draft") == {"draft"}
    assert numbers(f"customer={a.id}") == {paid.number, overdue.number}
    assert numbers("start=2020-01-01&end=2020-12-31") == {old.number}
    assert numbers("kind=credit_note") == set()
    assert numbers("status=bogus&start=nonsense") == {
        paid.number,
        overdue.number,
        old.number,
        "draft",
    }


def test_list_runs_a_fixed_number_of_queries(
    staff_client, make_customer, make_invoice, count_queries
):
    client, _ = staff_client(["invoices.view"])
    make_invoice(make_customer(), issue=True)
    db.session.expire_all()  # as after the factories' commits
    with count_queries() as few:
        assert client.get("/admin/invoices").status_code == 200
    for _ in range(6):
        make_invoice(make_customer(), issue=True)
    db.session.expire_all()
    with count_queries() as many:
        assert client.get("/admin/invoices").status_code == 200
    assert many.count == few.count


# -- drafts -----------------------------------------------------------------------------------


def test_new_invoice_page_has_three_rows_and_add_line_works_without_javascript(
    staff_client, customer, rates
):
    client, _ = staff_client(EDITOR)
    body = client.get(f"/admin/customers/{customer.id}/invoices/new").get_data(as_text=True)
    assert body.count('name="lines-2-description"') == 1 and "lines-3-" not in body
    assert f'value="{rates["standard"]}" data-percent="24" selected' in body  # tax class default
    assert 'name="custom_fields-0"' in body and "PO number" in body
    assert 'src="/static/js/lines.js"' in body and "<script>" not in body
    response = client.post(
        f"/admin/customers/{customer.id}/invoices/new",
        data={**draft_form(line(0, "Kept", "1", "5")), "add_line": "1"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="lines-3-description"' in body and "Kept</textarea>" in body
    assert count(Invoice) == 0


def test_create_and_edit_a_draft_with_lines_taxes_discounts_and_custom_fields(
    staff_client, customer, rates
):
    client, _ = staff_client(EDITOR)
    invoice = create_draft(
        client,
        customer,
        line(0, "Consulting", "10", "123.40"),
        line(1, "", "1", ""),  # an empty row is ignored
        line(2, "Book", "2", "9.995", tax=str(rates["reduced"]), discount="10"),
        **{"custom_fields-0": "PO-77", "notes": "Thanks", "due_date": "2031-01-31"},
    )
    assert invoice.status == "draft" and invoice.number is None
    assert [(ln.description, ln.tax_percent) for ln in invoice.lines] == [
        ("Consulting", Decimal("24")),
        ("Book", Decimal("10")),
    ]
    assert invoice.subtotal == Decimal("1251.99")  # 1234.00 + 17.99 (2 x 9.995 - 10 %)
    assert invoice.tax_total == Decimal("297.96")  # 296.16 + 1.80
    assert invoice.total == Decimal("1549.95")
    assert invoice.custom_fields == {"PO number": "PO-77"}
    assert invoice.due_date == date(2031, 1, 31)
    detail = client.get(f"/admin/invoices/{invoice.id}").get_data(as_text=True)
    assert "€1,549.95" in detail and "PO-77" in detail and "Tax 24% on €1,234.00" in detail

    form = client.get(f"/admin/invoices/{invoice.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    assert "Consulting</textarea>" in form and 'name="lines-2-description"' in form
    response = client.post(
        f"/admin/invoices/{invoice.id}/edit",
        data=draft_form(
            line(0, "Consulting", "1", "100", tax=str(rates["standard"])), version=version
        ),
    )
    assert response.status_code == 302
    invoice = reload(invoice)
    assert [ln.description for ln in invoice.lines] == ["Consulting"]
    assert invoice.total == Decimal("124.00")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (line(0, "Work", "abc", "10"), "lines-0-quantity", "Enter a number such as 12.50."),
        (line(0, "Work", "1", "-5"), "lines-0-unit_price", "Must be at least 0."),
        (line(0, "", "1", "5"), "lines-0-description", "This field is required."),
        (line(0, "Work", "1", "5", discount="150"), "lines-0-discount", "Must be at most 100."),
        (line(0, "Work", "1", "5", tax="999999"), "lines-0-tax", "Unknown tax rate."),
        (
            {**line(0, "Work", "1", "5"), "issue_date": "31.12.2030"},
            "issue_date",
            "Enter a date such as 2024-12-31.",
        ),
        (
            {**line(0, "Work", "1", "5"), "issue_date": "2030-02-01", "due_date": "2030-01-01"},
            "due_date",
            "Must not be before the issue date.",
        ),
        (
            {**line(0, "Work", "1", "5"), "recurring_months": "99"},
            "recurring_months",
            "Enter a number of months from 1 to 36.",
        ),
        (
            {**line(0, "Work", "1", "5"), "custom_fields-0": "x" * 300},
            "custom_fields-0",
            "Field cannot be longer than 255 characters.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(
    staff_client, customer, data, field, message
):
    client, _ = staff_client(EDITOR)
    response = client.post(f"/admin/customers/{customer.id}/invoices/new", data=draft_form(data))
    assert response.status_code in (400, 422)
    body = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">{re.escape(message)}<', body), body
    assert count(Invoice) == 0


def test_a_second_concurrent_save_shows_the_conflict_and_writes_nothing(
    staff_client, customer, make_invoice
):
    invoice = make_invoice(customer)
    first, _ = staff_client(EDITOR)
    second, _ = staff_client(EDITOR)
    pages = [
        c.get(f"/admin/invoices/{invoice.id}/edit").get_data(as_text=True) for c in (first, second)
    ]
    versions = [re.search(r'name="version" type="hidden" value="(\d+)"', p).group(1) for p in pages]
    assert versions[0] == versions[1]
    ok = first.post(
        f"/admin/invoices/{invoice.id}/edit",
        data=draft_form(line(0, "First", "1", "10"), version=versions[0]),
    )
    assert ok.status_code == 302
    late = second.post(
        f"/admin/invoices/{invoice.id}/edit",
        data=draft_form(line(0, "Second", "1", "99"), version=versions[1]),
    )
    assert late.status_code == 409
    body = late.get_data(as_text=True)
    assert "Someone else saved this document while you were editing it." in body
    assert "Second</textarea>" in body  # the input is kept for the user
    assert [ln.description for ln in reload(invoice).lines] == ["First"]


def test_the_conflict_message_is_translated(staff_client, customer, make_invoice):
    invoice = make_invoice(customer)
    client, _ = staff_client(EDITOR, language="de")
    response = client.post(
        f"/admin/invoices/{invoice.id}/edit", data=draft_form(line(0, "X", "1", "1"), version="0")
    )
    assert response.status_code == 409
    assert "Someone else saved" not in response.get_data(as_text=True)


def test_issued_invoices_cannot_be_edited(staff_client, make_invoice):
    invoice = make_invoice(issue=True)
    client, _ = staff_client(EDITOR)
    response = client.post(
        f"/admin/invoices/{invoice.id}/edit", data=draft_form(line(0, "X", "1", "1"), version="1")
    )
    assert response.status_code == 302
    assert reload(invoice).lines[0].description == "Consulting"


# -- issuing and numbering --------------------------------------------------------------------


def test_issuing_drafts_through_the_ui_gives_gapless_consecutive_numbers(staff_client, customer):
    client, _ = staff_client(EDITOR)
    drafts = [create_draft(client, customer, line(0, f"Work {i}", "1", "10")) for i in range(4)]
    deleted = drafts.pop(1)  # a deleted draft takes no number
    assert client.post(f"/admin/invoices/{deleted.id}/delete").status_code == 302
    assert db.session.get(Invoice, deleted.id) is None
    for draft in drafts:
        response = client.post(f"/admin/invoices/{draft.id}/issue")
        assert response.status_code == 302
    numbers = [reload(d).number for d in drafts]
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]
    assert all(reload(d).status == "unpaid" for d in drafts)
    # Issuing again is refused with a message, and takes no number.
    response = client.post(f"/admin/invoices/{drafts[0].id}/issue", follow_redirects=True)
    assert "Only a draft invoice can be issued." in response.get_data(as_text=True)
    fourth = create_draft(client, customer, line(0, "More", "1", "1"))
    client.post(f"/admin/invoices/{fourth.id}/issue")
    assert reload(fourth).number == "INV-000004"


def test_an_empty_draft_cannot_be_issued(staff_client, customer):
    client, _ = staff_client(EDITOR)
    draft = create_draft(client, customer)
    body = client.post(f"/admin/invoices/{draft.id}/issue", follow_redirects=True)
    assert "An invoice needs at least one line." in body.get_data(as_text=True)
    assert reload(draft).number is None


# -- PDF --------------------------------------------------------------------------------------


def test_pdf_is_inline_in_the_customers_language_with_etag_and_304(
    staff_client, make_customer, make_invoice
):
    customer = make_customer("Müller GmbH", language="de")
    invoice = make_invoice(customer, issue=True)
    client, _ = staff_client(["invoices.view"])
    response = client.get(f"/admin/invoices/{invoice.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    # named in the PDF's language (issue 21)
    disposition = f"inline; filename=Rechnung-{invoice.number}.pdf"
    assert response.headers["Content-Disposition"] == disposition
    text = text_of(response.data)
    assert invoice.number in text and "Rechnung" in text
    etag = response.headers["ETag"]
    again = client.get(f"/admin/invoices/{invoice.id}/pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    english = client.get(f"/admin/invoices/{invoice.id}/pdf?lang=en")
    assert "Invoice" in text_of(english.data) and english.headers["ETag"] != etag


# -- payments ---------------------------------------------------------------------------------


def test_payments_make_the_invoice_partially_paid_then_paid(staff_client, make_invoice):
    invoice = make_invoice(issue=True)  # 248.00
    client, _ = staff_client(EDITOR)
    today = date.today().isoformat()
    page = client.get(f"/admin/invoices/{invoice.id}").get_data(as_text=True)
    assert 'name="amount"' in page and 'value="248.00"' in page
    response = client.post(
        f"/admin/invoices/{invoice.id}/payments",
        data={
            "amount": "48.00",
            "paid_at": today,
            "method": "Bank transfer",
            "reference": "RF18 1234",
        },
    )
    assert response.status_code == 302
    assert reload(invoice).status == "partially_paid"
    client.post(f"/admin/invoices/{invoice.id}/payments", data={"amount": "200", "paid_at": today})
    invoice = reload(invoice)
    assert invoice.status == "paid" and invoice.amount_due == 0
    body = client.get(f"/admin/invoices/{invoice.id}").get_data(as_text=True)
    assert "RF18 1234" in body and 'name="amount"' not in body  # no form on a paid invoice


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "0"}, "amount", "Must be greater than zero."),
        ({"amount": "1.234"}, "amount", "At most 2 decimal places."),
        ({"amount": "999"}, "amount", "The amount is more than the amount due."),
        ({"amount": "10", "paid_at": ""}, "paid_at", "This field is required."),
        (
            {"amount": "10", "paid_at": "2999-01-01"},
            "paid_at",
            "The payment date cannot be in the future.",
        ),
    ],
)
def test_bad_payment_input_is_shown_next_to_the_field(
    staff_client, make_invoice, data, field, message
):
    invoice = make_invoice(issue=True)
    client, _ = staff_client(EDITOR)
    response = client.post(
        f"/admin/invoices/{invoice.id}/payments", data={"paid_at": date.today().isoformat(), **data}
    )
    assert response.status_code == 422
    assert re.search(rf'id="{field}-error">{re.escape(message)}<', response.get_data(as_text=True))
    assert count(Payment) == 0 and reload(invoice).status == "unpaid"


# -- other actions ----------------------------------------------------------------------------


def test_cancel_keeps_the_number_and_is_refused_with_payments(staff_client, make_invoice):
    invoice = make_invoice(issue=True)
    client, _ = staff_client(EDITOR)
    page = client.get(f"/admin/invoices/{invoice.id}").get_data(as_text=True)
    assert '<details class="confirm"><summary class="button danger">Cancel invoice' in page
    assert client.post(f"/admin/invoices/{invoice.id}/cancel").status_code == 302
    cancelled = reload(invoice)
    assert cancelled.status == "cancelled" and cancelled.number == invoice.number
    paid = make_invoice(issue=True)
    client.post(
        f"/admin/invoices/{paid.id}/payments",
        data={"amount": "1", "paid_at": date.today().isoformat()},
    )
    body = client.post(f"/admin/invoices/{paid.id}/cancel", follow_redirects=True)
    assert "An invoice with payments or credit notes cannot be cancelled." in body.get_data(
        as_text=True
    )
    assert reload(paid).status == "partially_paid"


def test_credit_note_and_duplicate(staff_client, make_invoice):
    invoice = make_invoice(issue=True)
    client, _ = staff_client(EDITOR)
    response = client.post(f"/admin/invoices/{invoice.id}/credit-note")
    note = db.session.scalar(select(Invoice).where(Invoice.kind == "credit_note"))
    assert response.location.endswith(f"/admin/invoices/{note.id}")
    assert note.status == "draft" and note.credited_invoice_id == invoice.id
    page = client.get(f"/admin/invoices/{note.id}").get_data(as_text=True)
    assert "Credit note" in page and invoice.number in page
    client.post(f"/admin/invoices/{note.id}/issue")
    assert reload(note).number == "CN-000001" and reload(invoice).status == "credited"
    listing = client.get("/admin/invoices?kind=credit_note").get_data(as_text=True)
    assert "CN-000001" in listing and invoice.number not in listing

    response = client.post(f"/admin/invoices/{invoice.id}/duplicate")
    copy = db.session.scalars(select(Invoice).order_by(Invoice.id.desc())).first()
    assert response.location.endswith(f"/admin/invoices/{copy.id}")
    assert copy.status == "draft" and copy.total == invoice.total and copy.number is None


def test_send_by_email_queues_the_pdf_to_the_primary_contact(staff_client, customer, make_invoice):
    invoice = make_invoice(customer, issue=True)
    client, _ = staff_client(EDITOR)
    assert client.post(f"/admin/invoices/{invoice.id}/send").status_code == 302
    message = db.session.scalar(select(OutboxEmail))
    assert message.recipient == "aino@example.fi" and message.template == "invoice_issued"
    assert message.attachments[0]["kind"] == "invoice_pdf"
    draft = make_invoice(customer)
    body = client.post(f"/admin/invoices/{draft.id}/send", follow_redirects=True)
    assert "Only an issued invoice can be sent." in body.get_data(as_text=True)
    assert count(OutboxEmail) == 1


def test_customer_card_links_new_invoice_zip_export_and_statement(
    staff_client, customer, make_invoice, write
):
    issued = make_invoice(customer, issue=True)
    draft = make_invoice(customer)
    client, _ = staff_client(["customers.view", *EDITOR])
    card = client.get(f"/admin/customers/{customer.id}?tab=invoices").get_data(as_text=True)
    assert (
        f'href="/admin/invoices/{issued.id}"' in card
        and f'href="/admin/invoices/{draft.id}"' in card
    )
    assert f"/admin/customers/{customer.id}/invoices/new" in card
    assert f"/admin/customers/{customer.id}/invoices.zip" in card
    assert f"/admin/customers/{customer.id}/statement" in card

    response = client.get(f"/admin/customers/{customer.id}/invoices.zip?status=unpaid")
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == [f"Invoice-{issued.number}.pdf"]
    bad = client.get(
        f"/admin/customers/{customer.id}/invoices.zip?status=bogus", follow_redirects=True
    )
    assert "Unknown status: bogus." in bad.get_data(as_text=True)

    write()
    db.session.get(Invoice, issued.id).issue_date = date(2030, 3, 1)
    db.session.commit()
    page = client.get(f"/admin/customers/{customer.id}/statement?start=2030-01-01&end=2030-12-31")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Invoice {issued.number}" in body and "€248.00" in body
    pdf_link = f"/admin/customers/{customer.id}/statement/pdf?start=2030-01-01&amp;end=2030-12-31"
    assert pdf_link in body
    statement = client.get(pdf_link.replace("&amp;", "&"))
    assert statement.mimetype == "application/pdf" and issued.number in text_of(statement.data)
    bad = client.get(f"/admin/customers/{customer.id}/statement?start=2030-12-31&end=2030-01-01")
    assert bad.status_code == 400
    assert 'id="end-error">The end date must not be before the start date.<' in bad.get_data(
        as_text=True
    )


def test_navigation_shows_invoices_and_estimates_only_with_permission(staff_client):
    client, _ = staff_client(["invoices.view_own"])
    body = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/invoices"' in body and 'href="/admin/estimates"' not in body
