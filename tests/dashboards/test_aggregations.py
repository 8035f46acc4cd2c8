"""Each aggregation of the dashboards and reports against the hand-computed books of
``conftest.books``: credit notes, a cancelled invoice, a draft, partial payments, two currencies,
an empty period, and a ``view_own`` member who sees only its customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.services.dashboards import charts, ledger, reports, rules
from portal.services.dashboards.staff import summary
from tests.dashboards.conftest import TODAY

D = Decimal


def _months(series: ledger.CurrencyMonths) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """The months with anything in them: "2026-05" -> (invoiced, credited, paid)."""
    return {
        m.month.strftime("%Y-%m"): (m.invoiced, m.credited, m.paid)
        for m in series.months
        if m.invoiced or m.credited or m.paid
    }


def test_invoiced_and_paid_per_month(books, make_staff):
    result = {s.currency.code: s for s in ledger.last_twelve_months(rules.issued(), TODAY)}
    eur, usd = result["EUR"], result["USD"]
    assert [m.month for m in eur.months] == [date(2025, 7, 1)] + [
        date(y, m, 1) for y, m in [(2025, 8), (2025, 9), (2025, 10), (2025, 11), (2025, 12)]
    ] + [date(2026, m, 1) for m in range(1, 7)]
    assert _months(eur) == {
        "2026-01": (D("1000.00"), D(0), D(0)),  # A1
        "2026-02": (D(0), D(0), D("400.00")),  # A1 partly paid
        "2026-03": (D("120.00"), D(0), D(0)),  # B2; A4 cancelled does not count
        "2026-04": (D("800.00"), D(0), D("800.00")),  # B1, paid in full
        "2026-05": (D("500.00"), D("200.00"), D(0)),  # A2 less its credit note
        "2026-06": (D("300.00"), D(0), D(0)),  # A3; the draft does not count
    }
    assert (eur.invoiced, eur.credited, eur.net, eur.paid) == (
        D("2720.00"),
        D("200.00"),
        D("2520.00"),
        D("1200.00"),
    )
    assert eur.top == D(1000)  # the scale: the highest bar, rounded up to 1, 2, 2.5 or 5
    assert _months(usd) == {"2026-06": (D("2000.00"), D(0), D("500.00"))}
    assert usd.top == D(2000)


def test_admin_months_follow_view_own(books, fresh):
    own = fresh(books.own)
    result = charts.admin_charts(own, TODAY).months
    assert [s.currency.code for s in result] == ["EUR"]
    assert _months(result[0]) == {
        "2026-01": (D("1000.00"), D(0), D(0)),
        "2026-02": (D(0), D(0), D("400.00")),
        "2026-05": (D("500.00"), D("200.00"), D(0)),
        "2026-06": (D("300.00"), D(0), D(0)),
    }


def test_an_empty_period_has_no_rows(books, make_staff):
    admin = make_staff(None)
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    assert ledger.by_month(rules.issued(), start, end) == []
    assert reports.revenue_by_group(admin, start, end) == []
    assert reports.revenue_by_customer(admin, start, end, 1, 50).items == []
    assert reports.payments_by_month(admin, start, end) == []
    assert reports.payments_page(admin, start, end, 1, 50).total == 0


def test_aging_buckets(books, make_staff, fresh):
    result = {a.currency.code: a for a in charts.aging(make_staff(None), TODAY)}
    eur = result["EUR"]
    # current: A3; 1-30: A2 less credit; 31-60: B2; 61-90: none (B1 is paid); >90: A1 less
    # its payment and B3 of last year.
    assert eur.amounts == [D("300.00"), D("300.00"), D("120.00"), D(0), D("700.00")]
    assert eur.counts == [1, 1, 1, 0, 2]
    assert (eur.total, eur.overdue) == (D("1420.00"), D("1120.00"))
    assert result["USD"].amounts == [D(0), D("1500.00"), D(0), D(0), D(0)]
    mine = charts.aging(fresh(books.own), TODAY)
    assert [(a.currency.code, a.amounts) for a in mine] == [
        ("EUR", [D("300.00"), D("300.00"), D(0), D(0), D("600.00")])
    ]


def test_aging_agrees_with_the_dashboard_totals(books, make_staff):
    admin = make_staff(None)
    totals = {t.currency.code: (t.outstanding, t.overdue) for t in summary(admin, TODAY).totals}
    aging = {a.currency.code: (a.total, a.overdue) for a in charts.aging(admin, TODAY)}
    assert (
        totals
        == aging
        == {
            "EUR": (D("1420.00"), D("1120.00")),
            "USD": (D("1500.00"), D("1500.00")),
        }
    )


def test_bucket_due_dates_match_the_buckets():
    assert rules.bucket_due_dates(0, TODAY) == (TODAY, None)
    assert rules.bucket_due_dates(1, TODAY) == (date(2026, 5, 16), date(2026, 6, 14))
    assert rules.bucket_due_dates(2, TODAY) == (date(2026, 4, 16), date(2026, 5, 15))
    assert rules.bucket_due_dates(3, TODAY) == (date(2026, 3, 17), date(2026, 4, 15))
    assert rules.bucket_due_dates(4, TODAY) == (None, date(2026, 3, 16))


def test_top_overdue_customers_per_currency(books, make_staff, fresh):
    result = {t.currency.code: t for t in charts.top_overdue(make_staff(None), TODAY)}
    assert [(c.name, c.amount, c.invoices) for c in result["EUR"].customers] == [
        ("Alpha GmbH", D("900.00"), 2),
        ("Beta Oy", D("220.00"), 2),
    ]
    assert [(c.name, c.amount) for c in result["USD"].customers] == [("Gamma Inc", D("1500.00"))]
    assert [c.name for c in charts.top_overdue(make_staff(None), TODAY, limit=1)[0].customers] == [
        "Alpha GmbH"
    ]
    mine = charts.top_overdue(fresh(books.own), TODAY)
    assert [[c.name for c in t.customers] for t in mine] == [["Alpha GmbH"]]


def test_tickets_by_status_and_assignee(books, make_staff, fresh):
    admin = make_staff(None)
    by_status = charts.tickets_by_status(admin)
    assert [(b.key, b.count) for b in by_status.bars] == [
        ("open", 1),
        ("in_progress", 1),
        ("answered", 1),
        ("on_hold", 0),
    ]
    by_assignee = charts.tickets_by_assignee(admin)
    assert [(b.key, b.label, b.count) for b in by_assignee.bars] == [
        (books.agent.id, books.agent.name, 2),
        (None, None, 1),
    ]
    own = fresh(books.own)
    assert [b.count for b in charts.tickets_by_status(own).bars] == [1, 1, 0, 0]
    assert sorted((b.key or 0, b.count) for b in charts.tickets_by_assignee(own).bars) == [
        (0, 1),
        (books.agent.id, 1),
    ]


def test_estimate_conversion_over_90_days(books, make_staff, fresh):
    result = charts.estimate_conversion(make_staff(None), TODAY)
    assert (result.start, result.end) == (date(2026, 3, 18), TODAY)
    assert [(b.key, b.count) for b in result.counts.bars] == [
        ("sent", 1),
        ("expired", 1),
        ("accepted", 1),
        ("invoiced", 1),
        ("declined", 1),
    ]
    assert (result.converted, result.counts.total, result.rate) == (2, 5, D(40))
    mine = charts.estimate_conversion(fresh(books.own), TODAY)
    assert (mine.converted, mine.counts.total, mine.rate) == (0, 2, D(0))


def test_nothing_for_areas_the_member_cannot_see(books, make_staff):
    result = charts.admin_charts(make_staff(["tickets.view"]), TODAY)
    assert result.months is None and result.aging is None and result.top_overdue is None
    assert result.conversion is None
    assert result.tickets_by_status is not None


def test_revenue_by_group(books, make_staff, fresh):
    rows = reports.revenue_by_group(make_staff(None), date(2026, 1, 1), TODAY)
    assert [
        (r.label, r.currency.code, r.invoiced, r.credited, r.net, r.paid, r.customers) for r in rows
    ] == [
        ("Events", "EUR", D("1800.00"), D("200.00"), D("1600.00"), D("400.00"), 1),
        ("Events", "USD", D("2000.00"), D(0), D("2000.00"), D("500.00"), 1),
        ("No group", "EUR", D("920.00"), D(0), D("920.00"), D("800.00"), 1),
    ]
    mine = reports.revenue_by_group(fresh(books.own), date(2026, 1, 1), TODAY)
    assert [(r.label, r.net) for r in mine] == [("Events", D("1600.00"))]


def test_revenue_by_group_counts_a_customer_in_each_of_its_groups(books, make_staff, write):
    from portal.extensions import db
    from portal.models import Customer, CustomerGroup
    from portal.services.customers import reference

    write()
    second = reference.save_group(None, {"name": "Agencies"})
    db.session.get(Customer, books.beta.id).groups.append(db.session.get(CustomerGroup, second.id))
    db.session.commit()
    rows = reports.revenue_by_group(make_staff(None), date(2026, 4, 1), date(2026, 4, 30))
    assert [(r.label, r.currency.code, r.net, r.paid) for r in rows] == [
        ("Agencies", "EUR", D("800.00"), D("800.00"))
    ]


def test_revenue_by_customer_most_first_with_paging(books, make_staff):
    admin = make_staff(None)
    page = reports.revenue_by_customer(admin, date(2026, 1, 1), TODAY, 1, 2)
    assert page.total == 3 and page.pages == 2
    assert [(r.label, r.currency.code, r.net, r.paid) for r in page.items] == [
        ("Gamma Inc", "USD", D("2000.00"), D("500.00")),
        ("Alpha GmbH", "EUR", D("1600.00"), D("400.00")),
    ]
    second = reports.revenue_by_customer(admin, date(2026, 1, 1), TODAY, 2, 2)
    assert [(r.label, r.net, r.paid) for r in second.items] == [
        ("Beta Oy", D("920.00"), D("800.00"))
    ]


def test_revenue_by_month_within_a_period(books, make_staff):
    rows = reports.revenue_by_month(make_staff(None), date(2026, 4, 1), date(2026, 5, 31))
    eur = next(s for s in rows if s.currency.code == "EUR")
    assert [(m.month, m.invoiced, m.credited, m.paid) for m in eur.months] == [
        (date(2026, 4, 1), D("800.00"), D(0), D("800.00")),
        (date(2026, 5, 1), D("500.00"), D("200.00"), D(0)),
    ]
    assert [s.currency.code for s in rows] == ["EUR"]  # nothing in USD in April and May


def test_payments_received_per_month(books, make_staff, fresh):
    admin = make_staff(None)
    result = {p.currency.code: p for p in reports.payments_by_month(admin, date(2026, 1, 1), TODAY)}
    eur = result["EUR"]
    assert [(m.month.month, m.amount, m.count) for m in eur.months if m.count] == [
        (2, D("400.00"), 1),
        (4, D("800.00"), 1),
    ]
    assert len(eur.months) == 6 and (eur.amount, eur.count) == (D("1200.00"), 2)
    assert [(m.month.month, m.amount) for m in result["USD"].months if m.count] == [
        (6, D("500.00"))
    ]
    page = reports.payments_page(admin, date(2026, 1, 1), TODAY, 1, 2)
    assert page.total == 3
    assert [p.amount for p in page.items] == [D("500.00"), D("800.00")]  # newest first
    mine = reports.payments_by_month(fresh(books.own), date(2026, 1, 1), TODAY)
    assert [(p.currency.code, p.amount) for p in mine] == [("EUR", D("400.00"))]


def test_aging_report_per_customer(books, make_staff, fresh):
    admin = make_staff(None)
    page = reports.aging_page(admin, TODAY, 1, 50)
    assert page.total == 3
    assert [(r.name, r.currency.code, r.amounts, r.total) for r in page.items] == [
        ("Alpha GmbH", "EUR", [D("300.00"), D("300.00"), D(0), D(0), D("600.00")], D("1200.00")),
        ("Beta Oy", "EUR", [D(0), D(0), D("120.00"), D(0), D("100.00")], D("220.00")),
        ("Gamma Inc", "USD", [D(0), D("1500.00"), D(0), D(0), D(0)], D("1500.00")),
    ]
    assert [r.name for r in reports.aging_rows(admin, TODAY)] == [
        "Alpha GmbH",
        "Beta Oy",
        "Gamma Inc",
    ]
    assert [r.name for r in reports.aging_page(fresh(books.own), TODAY, 1, 50).items] == [
        "Alpha GmbH"
    ]


def test_nice_ceiling():
    cases = {"0": "0", "0.3": "0.5", "1": "1", "7": "10", "120": "200", "2100": "2500"}
    for value, top in cases.items():
        assert rules.nice_ceiling(D(value)) == D(top), value


def test_a_fully_credited_invoice_nets_to_nothing(books, make_staff):
    from tests.dashboards.conftest import credit, invoice

    doc = invoice(books.beta, "400.00", date(2026, 3, 2), date(2026, 4, 1))
    credit(doc, "400.00", date(2026, 3, 9))
    admin = make_staff(None)
    eur = next(s for s in reports.revenue_by_month(admin, date(2026, 3, 1), date(2026, 3, 31)))
    assert (eur.invoiced, eur.credited, eur.net) == (D("520.00"), D("400.00"), D("120.00"))
    aging = {a.currency.code: a for a in charts.aging(admin, TODAY)}
    assert aging["EUR"].total == D("1420.00")  # the credited invoice owes nothing
    beta = reports.revenue_by_customer(admin, date(2026, 3, 1), date(2026, 3, 31), 1, 50)
    assert [(r.label, r.net) for r in beta.items] == [("Beta Oy", D("120.00"))]
