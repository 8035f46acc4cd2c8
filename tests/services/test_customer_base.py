"""Customer base services: search index, reference data, addresses, notes, import/export,
revenue report."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Contact,
    Customer,
    CustomerAddress,
    CustomerGroup,
    CustomerSearchToken,
    Note,
    TaxClass,
    TaxRate,
)
from portal.services.customers import contacts, reference
from portal.services.customers import import_export as customer_import
from portal.services.customers import records as customer_records
from portal.services.customers import search as customer_search
from portal.services.customers.search import CustomerFilter, filtered, search
from portal.services.customers.search_index import fold, tokens_of
from portal.services.errors import ConflictError, ValidationError


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- search ---------------------------------------------------------------------------------


def test_tokens_fold_case_and_accents():
    assert fold("García SØN") == "garcia søn"
    assert {"o'brien", "o", "brien", "&", "søn"} <= tokens_of("O'Brien & Søn")
    assert "anna.schmidt@example.com" in tokens_of("anna.schmidt@example.com")


@pytest.fixture
def people(make_customer, make_contact, make_staff):
    acme = make_customer(
        "Acme Analytics Inc.", vat_number="US123456789", billing_city="Boston", billing_country="US"
    )
    make_contact(acme, first_name="Emma", last_name="Johnson", email="emma@acme.example")
    garcia = make_customer("García Soluciones S.L.", billing_city="Madrid", billing_country="ES")
    make_contact(garcia, first_name="Lucía", last_name="García", email="lucia@garcia.example")
    weird = make_customer("<script>alert(1)</script> O'Brien & Søn")
    return {"acme": acme, "garcia": garcia, "weird": weird, "admin": make_staff()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme", {"acme"}),
        ("ACM", {"acme"}),
        ("US1234", {"acme"}),
        ("boston", {"acme"}),
        ("emma@acme.ex", {"acme"}),
        ("johnson", {"acme"}),
        ("garcia", {"garcia"}),
        ("garcía", {"garcia"}),
        ("lucia", {"garcia"}),
        ("madrid soluciones", {"garcia"}),
        ("madrid acme", set()),
        ("o'brien", {"weird"}),
        ("<script>", {"weird"}),
        ("søn", {"weird"}),
        ("%", set()),
        ("_", set()),
    ],
)
def test_search_matches_name_number_vat_city_contacts(people, query, expected):
    page = search(people["admin"], CustomerFilter(q=query))
    names = {k for k, v in people.items() if k != "admin" and v.id in {c.id for c in page.items}}
    assert names == expected
    assert page.total == len(expected)


@pytest.mark.parametrize("few", [1000, 3, 2])
def test_multi_word_search_same_answer_on_every_plan(make_customer, make_staff, monkeypatch, few):
    """With the default threshold the rarest word drives; with ``FEW_MATCHES = 2`` every word
    is "common" and the sets are intersected (3), or there are too many and the query walks the
    customers: the answers must not differ."""
    monkeypatch.setattr(customer_search, "FEW_MATCHES", few)
    for name in ("Nordic Pixel 1", "Nordic Pixel 2", "Nordic Pixel 3", "Nordic Summit 5432"):
        make_customer(name)
    make_customer("Alpha Pixel 4")
    admin = make_staff()
    names = lambda q: [r.company_name for r in search(admin, CustomerFilter(q=q)).items]  # noqa: E731
    assert names("nordic pix") == ["Nordic Pixel 1", "Nordic Pixel 2", "Nordic Pixel 3"]
    assert names("pix nordic 2") == ["Nordic Pixel 2"]
    assert names("nordic summit 5432") == ["Nordic Summit 5432"]
    assert names("pixel") == ["Alpha Pixel 4", "Nordic Pixel 1", "Nordic Pixel 2", "Nordic Pixel 3"]
    assert names("alpha nordic") == []


def test_word_estimates_are_reused_and_never_change_the_answer(
    make_customer, make_staff, count_queries, monkeypatch
):
    monkeypatch.setattr(customer_search, "_estimates", {})
    make_customer("Nordic Summit 5432")
    admin = make_staff()
    search(admin, CustomerFilter(q="warm"))  # the staff member's role and permissions load
    flt = CustomerFilter(q="nordic summit")
    with count_queries() as first:
        assert [r.company_name for r in search(admin, flt).items] == ["Nordic Summit 5432"]
    with count_queries() as again:
        search(admin, flt)
    assert again.count == first.count - 1  # the words were counted once
    # A stale estimate only steers the plan: new matches are found all the same.
    make_customer("Nordic Summit 9999")
    assert search(admin, flt).total == 2


def test_search_pages_and_totals(make_customer, make_contact, make_staff):
    """A full page of matches: the total comes from the matching ids (everything visible) or
    from a count (a group filter, a ``view_own`` member) and is the same either way."""
    for i in range(7):
        make_contact(make_customer(f"Paged {i:02d} Oy"), first_name="Pia", last_name=f"P{i}")
    make_customer("Other Ltd")
    admin = make_staff()
    first = search(admin, CustomerFilter(q="paged"), page=1, per_page=5)
    second = search(admin, CustomerFilter(q="paged"), page=2, per_page=5)
    assert (first.total, first.pages, second.total) == (7, 2, 7)
    assert [r.company_name for r in first.items + second.items] == [
        f"Paged {i:02d} Oy" for i in range(7)
    ]
    assert first.items[0].primary_name == "Pia P0" and first.items[0].primary_email
    inactive = search(admin, CustomerFilter(q="paged", active=True), page=1, per_page=5)
    assert inactive.total == 7
    beyond = search(admin, CustomerFilter(q="paged"), page=5, per_page=5)
    assert (beyond.items, beyond.total) == ([], 7)


@pytest.mark.parametrize("q", ["", "grouped", "grouped oy"])
def test_list_rows_carry_group_names_in_name_order(make_customer, make_staff, write, q):
    """The same on every plan: the whole list, one word, several words."""
    customer = make_customer("Grouped Oy")
    make_customer("Other Oy")
    write()
    zeta = reference.save_group(None, {"name": "Zeta"})
    alpha = reference.save_group(None, {"name": "Alpha"})
    reference.assign_group([customer.id], zeta)
    reference.assign_group([customer.id], alpha)
    db.session.commit()
    admin = make_staff()
    rows = {r.company_name: r.groups for r in search(admin, CustomerFilter(q=q)).items}
    assert rows["Grouped Oy"] == ("Alpha", "Zeta")
    assert rows.get("Other Oy", ()) == ()


def test_search_index_follows_changes(people, write):
    write()
    contact = db.session.scalar(select(Contact).where(Contact.email == "emma@acme.example"))
    contacts.update_contact(contact, {"email": "emma@renamed.example"})
    db.session.commit()
    admin = people["admin"]
    assert search(admin, CustomerFilter(q="renamed")).total == 1
    assert search(admin, CustomerFilter(q="emma@acme")).total == 0
    write()
    contacts.delete_contact(db.session.get(Contact, contact.id))
    db.session.commit()
    assert search(admin, CustomerFilter(q="emma")).total == 0
    assert count(CustomerSearchToken) > 0


def test_search_respects_view_own(people, make_staff, write):
    own = make_staff(["customers.view_own"])
    write()
    acme = db.session.get(Customer, people["acme"].id)
    acme.admins.append(db.session.get(type(own), own.id))
    db.session.commit()
    assert [c.id for c in search(own, CustomerFilter()).items] == [acme.id]
    assert search(own, CustomerFilter(q="garcia")).total == 0
    nobody = make_staff(["invoices.view"])
    assert search(nobody, CustomerFilter()).total == 0


def test_filters_group_and_active(people, write):
    write()
    group = reference.save_group(None, {"name": "Events"})
    reference.assign_group([people["acme"].id, people["garcia"].id], group)
    db.session.get(Customer, people["garcia"].id).is_active = False
    db.session.commit()
    admin = people["admin"]
    assert search(admin, CustomerFilter(group_id=group.id)).total == 2
    assert search(admin, CustomerFilter(group_id=group.id, active=True)).total == 1
    assert search(admin, CustomerFilter(active=False)).total == 1


def test_list_query_count_does_not_grow_with_rows(
    make_customer, make_contact, make_staff, count_queries
):
    admin = make_staff()
    for i in range(3):
        make_contact(make_customer(f"Small {i}"))
    with count_queries() as few:
        search(admin, CustomerFilter())
    for i in range(12):
        make_contact(make_customer(f"More {i}"))
    with count_queries() as many:
        page = search(admin, CustomerFilter())
    assert len(page.items) == 15
    assert all(row.primary_email for row in page.items)
    assert many.count == few.count


# -- reference data ---------------------------------------------------------------------------


def test_group_names_unique_and_delete_refused_while_in_use(make_customer, write):
    write()
    group = reference.save_group(None, {"name": "Agencies"})
    db.session.commit()
    write()
    with pytest.raises(ValidationError) as dup:
        reference.save_group(None, {"name": "agencies"})
    assert "name" in dup.value.fields
    db.session.rollback()
    customer = make_customer(groups=["Agencies"])
    write()
    with pytest.raises(ConflictError) as refused:
        reference.delete_group(db.session.get(CustomerGroup, group.id))
    assert "1 customer" in refused.value.message
    db.session.rollback()
    assert count(CustomerGroup) == 1
    assert customer.id


def test_tax_rates_validated_and_delete_refused_while_used(make_customer, write):
    write()
    with pytest.raises(ValidationError) as bad:
        reference.save_tax_rate(None, {"name": "Odd", "percent": "120"})
    assert "percent" in bad.value.fields
    db.session.rollback()
    write()
    with pytest.raises(ValidationError):
        reference.save_tax_rate(None, {"name": "Odd", "percent": "abc"})
    db.session.rollback()
    write()
    rate = reference.save_tax_rate(None, {"name": "VAT 24", "percent": "24"})
    tax_class = reference.save_tax_class(None, {"name": "Domestic", "default_tax_rate_id": rate.id})
    db.session.commit()
    assert db.session.get(TaxRate, rate.id).percent == Decimal("24")
    write()
    with pytest.raises(ConflictError):
        reference.delete_tax_rate(db.session.get(TaxRate, rate.id))
    db.session.rollback()
    make_customer(tax_class_id=tax_class.id)
    write()
    with pytest.raises(ConflictError) as used:
        reference.delete_tax_class(db.session.get(TaxClass, tax_class.id))
    assert "Domestic" in used.value.message
    db.session.rollback()
    assert count(TaxClass) == 1 and count(TaxRate) == 1


# -- addresses and notes ----------------------------------------------------------------------


def test_one_headquarters_moves(make_customer, write):
    customer = make_customer()
    write()
    first = customer_records.save_address(
        customer,
        None,
        {"label": "Office", "city": "Oulu", "country": "fi", "is_headquarters": True},
    )
    second = customer_records.save_address(customer, None, {"label": "Depot", "city": "Turku"})
    db.session.commit()
    assert db.session.get(CustomerAddress, first.id).country == "FI"
    write()
    customer_records.set_headquarters(db.session.get(CustomerAddress, second.id))
    db.session.commit()
    hq = db.session.scalars(select(CustomerAddress.label).where(CustomerAddress.is_headquarters))
    assert list(hq) == ["Depot"]
    write()
    with pytest.raises(ValidationError) as bad:
        customer_records.save_address(customer, None, {"label": "", "country": "XX"})
    assert set(bad.value.fields) == {"label", "country"}


def test_notes_newest_first_and_deletable(make_customer, make_staff, write):
    customer = make_customer()
    staff = make_staff()
    write()
    customer_records.add_note(customer, staff, {"body": "first"})
    db.session.commit()
    write()
    customer_records.add_note(customer, staff, {"body": "second"})
    db.session.commit()
    assert [n.body for n in customer_records.notes(customer.id)] == ["second", "first"]
    write()
    with pytest.raises(ValidationError):
        customer_records.add_note(customer, staff, {"body": "  "})
    db.session.rollback()
    write()
    customer_records.delete_note(customer_records.notes(customer.id)[0])
    db.session.commit()
    assert count(Note) == 1


def test_activity_lists_customer_and_contact_changes(make_customer, make_contact):
    customer = make_customer()
    make_contact(customer)
    pairs = [(a.entity_type, a.action) for a in customer_records.activity(customer.id)]
    assert ("Contact", "create") in pairs
    assert pairs[-1] == ("Customer", "create")  # newest first: the customer came first


# -- import / export ------------------------------------------------------------------------


CSV_OK = (
    "number;company_name;vat_number;billing_city;billing_country;currency;groups;"
    "contact_first_name;contact_last_name;contact_email\n"
    "X-1;Nordlys AS;NO988077917MVA;Bergen;NO;EUR;Events;Ingrid;Hansen;ingrid@nordlys.example\n"
    ";Virta Oy;FI20774740;Oulu;FI;EUR;;Mikko;Virta;mikko@virta.example\n"
)


@pytest.fixture
def eur_and_group(make_currency, write):
    make_currency("EUR", "€", 2, True)
    write()
    reference.save_group(None, {"name": "Events"})
    db.session.commit()


def test_import_creates_then_updates(eur_and_group, write):
    rows = customer_import.read_rows("customers.csv", CSV_OK.encode())
    write()
    assert customer_import.preview(rows).ok
    assert count(Customer) == 0  # the preview wrote nothing
    result = customer_import.apply(rows)
    db.session.commit()
    assert (result.created, result.updated) == (2, 0)
    nordlys = db.session.scalar(select(Customer).where(Customer.number == "X-1"))
    assert nordlys.primary_contact.email == "ingrid@nordlys.example"
    assert [g.name for g in nordlys.groups] == ["Events"]

    changed = CSV_OK.replace("Bergen", "Oslo").replace(";Virta Oy;", ";Virta Group Oy;")
    write()
    again = customer_import.apply(customer_import.read_rows("c.csv", changed.encode()))
    db.session.commit()
    assert (again.created, again.updated) == (0, 2)
    assert count(Customer) == 2 and count(Contact) == 2
    assert (
        db.session.scalar(select(Customer.billing_city).where(Customer.number == "X-1")) == "Oslo"
    )
    assert (
        db.session.scalar(select(Customer.company_name).where(Customer.vat_number == "FI20774740"))
        == "Virta Group Oy"
    )


def test_import_with_errors_lists_every_row_and_writes_nothing(eur_and_group, write):
    bad = (
        "company_name,vat_number,currency,groups,contact_first_name,contact_last_name,"
        "contact_email\n"
        ",FI01120389,EUR,,A,B,a@example.com\n"
        "Good Oy,FI20774740,EUR,,C,D,c@example.com\n"
        "Bad Mail Oy,FI00000035,EUR,,E,F,not-an-email\n"
        "Money Oy,FI00000043,XXX,,G,H,g@example.com\n"
        "Group Oy,FI00000051,EUR,Nope,I,J,i@example.com\n"
        "Dup Oy,FI20774740,EUR,,K,L,k@example.com\n"
    )
    rows = customer_import.read_rows("bad.csv", bad.encode())
    write()
    result = customer_import.preview(rows)
    found = {(e.row, e.field) for e in result.errors}
    assert found == {
        (2, "company_name"),
        (4, "contact_email"),
        (5, "currency"),
        (6, "groups"),
        (7, "vat_number"),
    }
    applied = customer_import.apply(rows)
    assert not applied.ok
    db.session.commit()
    assert count(Customer) == 0 and count(Contact) == 0


def test_import_xlsx(eur_and_group, write):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["Company name", "VAT number", "Contact email", "Contact first name", "Contact last name"]
    )
    sheet.append(["Excel Oy", "FI00007771", "x@excel.example", "Ex", "Cel"])
    buffer = io.BytesIO()
    book.save(buffer)
    write()
    result = customer_import.apply(customer_import.read_rows("c.xlsx", buffer.getvalue()))
    db.session.commit()
    assert result.created == 1
    assert db.session.scalar(select(Customer.company_name)) == "Excel Oy"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("c.pdf", b"%PDF"),
        ("c.csv", b""),
        ("c.csv", b"name\nx\n"),
        ("c.csv", b"\xff\xfe\x00bad"),
        ("c.xlsx", b"not a zip"),
    ],
)
def test_unreadable_files_are_refused(name, data):
    with pytest.raises(customer_import.ImportFileError) as refused:
        customer_import.read_rows(name, data)
    assert "file" in refused.value.fields


def test_export_csv_neutralises_formulas(make_customer, make_contact, make_staff):
    customer = make_customer('=HYPERLINK("http://evil")', vat_number="FI01120389")
    make_contact(customer, first_name="@cmd", last_name="Plain", email="p@example.com")
    admin = make_staff()
    rows = db.session.scalars(filtered(admin, CustomerFilter()))
    text = "".join(customer_import.export_csv(rows))
    assert text.startswith("\ufeffnumber,company_name")
    assert "'=HYPERLINK" in text and "'@cmd" in text
    assert "p@example.com" in text
