"""The admin dashboard and the reports at scale (issue 22): median time of /admin/ (every chart),
the aging report, the revenue report and the payments report against a bare Flask endpoint
served by the same gunicorn in the same run, on 100,000 customers and about 200,000 invoices.

    .venv/bin/python bench/dashboard.py [--database URL] [-n 200] [--block 20] [--write]

The database (default: a new SQLite file bench/out/dashboard.db) is migrated and seeded with
``seed-demo --customers 100000`` (one invoice per customer), then topped up once: a second
invoice per bulk customer spread over the last year (paid, partly paid, open; every 50th
partly credited), a payment row for every paid or partly paid invoice, 10,000 estimates of the
last 120 days and 10,000 tickets. A ``view_own`` member assigned to 100 customers is timed too.
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    MODE,
    ROOT,
    Client,
    append_results,
    flask,
    median_ms,
    page_arguments,
    serve,
    time_blocks,
)

ADMIN = ("admin@example.com", "demo-admin-2026")
OWN_EMAIL = "own.dashboard@bench.example"
OWN_PASSWORD = "bench-own-member-2026"
PAGES = {
    "dashboard (all charts)": "/admin/",
    "aging report, page 1": "/admin/reports/aging",
    "revenue by group, this year": "/admin/reports/revenue",
    "revenue by month, this year": "/admin/reports/revenue?by=month",
    "revenue by customer, page 1": "/admin/reports/revenue?by=customer",
    "payments received, this year": "/admin/reports/payments",
}


def _invoice_rows(customers: list[tuple[int, int, int]], today: datetime.date) -> list[dict]:
    """A second invoice for each of ``customers`` (id, sequence, currency id), issued over the
    last year: every fourth paid, every fourth half paid, the rest open; ``_paid`` and
    ``_credited`` say what to add as a payment row and a credit note (every 50th open one)."""
    now = datetime.datetime.now(datetime.UTC)
    rows = []
    for cid, seq, cur in customers:
        total = Decimal(100 + seq % 900) + Decimal(seq % 100) / 100
        issue = today - datetime.timedelta(days=(seq * 7) % 365)
        kind = seq % 4
        paid = total if kind == 0 else (total / 2).quantize(Decimal("0.01")) if kind == 1 else 0
        credited = Decimal(10) if seq % 50 == 0 and kind != 0 else Decimal(0)
        status = "paid" if kind == 0 else "partially_paid" if paid or credited else "unpaid"
        rows.append(
            {
                "customer_id": cid,
                "currency_id": cur,
                "kind": "invoice",
                "number": f"INV-B{seq:07d}",
                "status": status,
                "issue_date": issue,
                "due_date": issue + datetime.timedelta(days=30),
                "issued_at": now,
                "subtotal": total,
                "tax_total": Decimal(0),
                "total": total,
                "amount_paid": paid + credited,
                "custom_fields": {},
                "billing_address": {},
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "_paid": paid,
                "_credited": credited,
            }
        )
    return rows


def _payment(invoice_id: int, amount: Decimal, currency_id: int, day: datetime.date) -> dict:
    now = datetime.datetime.now(datetime.UTC)
    return {
        "invoice_id": invoice_id,
        "amount": amount,
        "currency_id": currency_id,
        "paid_at": min(day, datetime.date.today()),
        "method": "transfer",
        "created_at": now,
        "updated_at": now,
    }


def _top_up_invoices(rows: list[tuple[int, int, int]]) -> None:
    """The second invoices with their lines, payments and credit notes, in chunks."""
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.models import Invoice, InvoiceLine, Payment

    today = datetime.date.today()
    for chunk in range(0, len(rows), 5000):
        invoices = _invoice_rows(rows[chunk : chunk + 5000], today)
        extra = [(r.pop("_paid"), r.pop("_credited")) for r in invoices]
        ids = list(
            db.session.execute(
                insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), invoices
            ).scalars()
        )
        lines, payments, notes = [], [], []
        for iid, row, (paid, credited) in zip(ids, invoices, extra, strict=True):
            lines.append(
                {
                    "invoice_id": iid,
                    "position": 0,
                    "description": "Service",
                    "quantity": Decimal(1),
                    "unit_price": row["total"],
                    "tax_percent": Decimal(0),
                    "discount_percent": Decimal(0),
                    "net_amount": row["total"],
                }
            )
            if paid:
                day = row["issue_date"] + datetime.timedelta(days=10)
                payments.append(_payment(iid, paid, row["currency_id"], day))
            if credited:
                note = {**row, "kind": "credit_note", "number": f"CN-B{iid:07d}"}
                note.update(status="paid", credited_invoice_id=iid, subtotal=credited)
                note.update(total=credited, amount_paid=credited)
                notes.append(note)
        db.session.execute(insert(InvoiceLine), lines)
        if payments:
            db.session.execute(insert(Payment), payments)
        if notes:
            db.session.execute(insert(Invoice), notes)


def _pay_seeded_invoices() -> None:
    """The seed marks invoices paid without a payment row: each gets one, five days after."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import Invoice, Payment

    seeded = db.session.execute(
        select(Invoice.id, Invoice.total, Invoice.currency_id, Invoice.issue_date).where(
            Invoice.status == "paid",
            Invoice.kind == "invoice",
            Invoice.number.not_like("INV-B%"),
            ~Invoice.payments.any(),
        )
    ).all()
    for chunk in range(0, len(seeded), 5000):
        db.session.execute(
            insert(Payment),
            [
                _payment(iid, total, cur, issue + datetime.timedelta(days=5))
                for iid, total, cur, issue in seeded[chunk : chunk + 5000]
            ],
        )


def _estimates_and_tickets(rows: list[tuple[int, int, int]]) -> None:
    """10,000 estimates of the last 120 days in every outcome and 10,000 tickets in every
    status, some assigned to the staff."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import Estimate, Staff, Ticket

    today = datetime.date.today()
    now = datetime.datetime.now(datetime.UTC)
    outcomes = ("sent", "accepted", "declined", "invoiced", "sent")
    estimates = []
    for cid, seq, cur in rows[::10]:
        issue = today - datetime.timedelta(days=seq % 120)
        estimates.append(
            {
                "customer_id": cid,
                "currency_id": cur,
                "number": f"EST-B{seq:07d}",
                "status": outcomes[seq % 5],
                "issue_date": issue,
                "expiry_date": issue + datetime.timedelta(days=30),
                "subtotal": Decimal(500),
                "tax_total": Decimal(0),
                "total": Decimal(500),
                "custom_fields": {},
                "billing_address": {},
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Estimate), estimates)
    staff_ids = list(db.session.scalars(select(Staff.id).order_by(Staff.id)))
    statuses = ("open", "in_progress", "answered", "on_hold", "closed", "closed")
    db.session.execute(
        insert(Ticket),
        [
            {
                "customer_id": cid,
                "subject": f"Question {seq}",
                "priority": "medium",
                "status": statuses[seq % 6],
                "assigned_staff_id": staff_ids[seq % len(staff_ids)] if seq % 3 else None,
                "last_message_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for cid, seq, _cur in rows[5::10]
        ],
    )


def _own_member(rows: list[tuple[int, int, int]]) -> None:
    """A member with only ``view_own``, customer admin of every 1,000th customer (100)."""
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.models import Role, Staff, customer_admins
    from portal.services.identity import passwords

    role = Role(name="Bench own customers")
    role.set_permissions(["invoices.view_own", "estimates.view_own", "tickets.view_own"])
    member = Staff(
        email=OWN_EMAIL,
        name="Bench Own",
        role=role,
        is_active=True,
        password_hash=passwords.hash_password(OWN_PASSWORD),
    )
    db.session.add_all([role, member])
    db.session.flush()
    db.session.execute(
        insert(customer_admins),
        [{"customer_id": cid, "staff_id": member.id} for cid, _s, _c in rows[::1000]],
    )


def prepare(database_url: str) -> dict[str, int]:
    """Tops the benchmark data set up once (see the module's docstring); returns row counts."""
    from sqlalchemy import func, select, text

    from portal import create_app
    from portal.extensions import db
    from portal.models import Customer, Estimate, Invoice, Payment, Ticket
    from portal.models.database import begin_write
    from portal.services.platform.audit import SYSTEM, acting_as

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context(), acting_as(SYSTEM):

        def count(model: object) -> int:
            return db.session.scalar(select(func.count()).select_from(model)) or 0

        if count(Invoice) < 150_000:
            begin_write()
            customers = db.session.execute(
                select(Customer.id, Customer.currency_id).order_by(Customer.id)
            ).all()
            rows = [(cid, seq, cur) for seq, (cid, cur) in enumerate(customers)]
            _top_up_invoices(rows)
            _pay_seeded_invoices()
            _estimates_and_tickets(rows)
            _own_member(rows)
            db.session.commit()
            if db.session.get_bind().dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
        models = {
            "customers": Customer,
            "invoices": Invoice,
            "payments": Payment,
            "estimates": Estimate,
            "tickets": Ticket,
        }
        return {name: count(model) for name, model in models.items()}


def _time(port: int, login: tuple[str, str], pages: dict[str, str], n: int, block: int):
    client = Client(port)
    client.login("/admin/login", *login)
    samples = time_blocks(client, ["/_bench/bare", *pages.values()], n, block)
    floor = median_ms(samples["/_bench/bare"])
    return floor, {label: median_ms(samples[path]) for label, path in pages.items()}


def main() -> None:
    parser = page_arguments("dashboard.db")
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    flask("db", "upgrade", database_url=args.database)
    flask("seed-demo", "--customers", "100000", database_url=args.database)
    counts = prepare(args.database)
    with serve(args.database) as port:
        floor, medians = _time(port, ADMIN, PAGES, args.n, args.block)
        own_pages = {"dashboard, view_own of 100 customers": "/admin/"}
        own_floor, own = _time(port, (OWN_EMAIL, OWN_PASSWORD), own_pages, args.n, args.block)
    backend = args.database.split(":", 1)[0].split("+")[0]
    lines = [
        f"## Admin dashboard and reports, 100,000 customers, {backend} ({datetime.date.today()})",
        "",
        "Command: `.venv/bin/python bench/dashboard.py"
        f"{'' if backend == 'sqlite' else ' --database ' + args.database}"
        f" -n {args.n} --block {args.block}`; gunicorn, 1 worker, one client,"
        f" {args.n} {MODE.format(block=args.block)}, medians. Data: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + " (seed-demo plus the top-up described in the script).",
        "",
        f"Floor: bare Flask endpoint `/_bench/bare` {floor:.2f} ms"
        f" ({own_floor:.2f} ms in the view_own member's run).",
        "",
        "| page | path | median | x floor |",
        "|---|---|---|---|",
    ]
    for label, ms in medians.items():
        lines.append(f"| {label} | `{PAGES[label]}` | {ms:.2f} ms | {ms / floor:.1f} |")
    for label, ms in own.items():
        lines.append(f"| {label} | `/admin/` | {ms:.2f} ms | {ms / own_floor:.1f} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        append_results(text)


if __name__ == "__main__":
    main()
