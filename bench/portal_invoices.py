"""The client invoice list of a customer with 1,000 invoices (issue 7): median time of
/clients/invoices (first page and a later page) against a bare Flask endpoint served by the same
gunicorn in the same run.

    .venv/bin/python bench/portal_invoices.py [--database URL] [--write]

The database (default: a new SQLite file under bench/out/) gets the demo data and one customer
"Thousand Invoices Oy" whose primary contact can sign in.
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

EMAIL = "thousand@bench.example"
PASSWORD = "bench-contact-2026"


def prepare(database_url: str) -> int:
    """Creates the customer with 1,000 issued invoices once; returns how many it has."""
    from sqlalchemy import func, insert, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Contact, Invoice, InvoiceLine
    from portal.models.database import begin_write
    from portal.services import customers
    from portal.services.billing import numbering
    from portal.services.customers import contacts
    from portal.services.identity import passwords
    from portal.services.platform.audit import SYSTEM, acting_as

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context(), acting_as(SYSTEM):
        contact = db.session.scalar(select(Contact).where(Contact.email == EMAIL))
        if contact is None:
            begin_write()
            customer = customers.create_customer({"company_name": "Thousand Invoices Oy"})
            contact = contacts.create_contact(
                customer, {"first_name": "Tuhat", "last_name": "Laskua", "email": EMAIL}
            )
            contact.password_hash = passwords.hash_password(PASSWORD)
            db.session.commit()
        count = db.session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.customer_id == contact.customer_id)
        )
        missing = 1000 - count
        if missing > 0:
            begin_write()
            start = numbering.next_value("invoice")
            from portal.models import NumberSequence

            db.session.execute(
                NumberSequence.__table__.update()
                .where(NumberSequence.name == "invoice")
                .values(next_value=start + missing)
            )
            prefix = numbering.format_number("invoice", 0)[:-6]
            today = datetime.date.today()
            now = datetime.datetime.now(datetime.UTC)
            rows = [
                {
                    "customer_id": contact.customer_id,
                    "currency_id": contact.customer.currency_id,
                    "kind": "invoice",
                    "number": f"{prefix}{start + i:06d}",
                    "status": "paid" if i % 3 else "unpaid",
                    "issue_date": today - datetime.timedelta(days=i),
                    "due_date": today - datetime.timedelta(days=i - 14),
                    "issued_at": now,
                    "subtotal": Decimal("100.00"),
                    "tax_total": Decimal("24.00"),
                    "total": Decimal("124.00"),
                    "amount_paid": Decimal("124.00") if i % 3 else Decimal(0),
                    "custom_fields": {},
                    "billing_address": {},
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(missing)
            ]
            ids = (
                db.session.execute(
                    insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), rows
                )
                .scalars()
                .all()
            )
            db.session.execute(
                insert(InvoiceLine),
                [
                    {
                        "invoice_id": iid,
                        "position": 0,
                        "description": "Support",
                        "quantity": 1,
                        "unit_price": Decimal("100.00"),
                        "tax_percent": Decimal(24),
                        "discount_percent": Decimal(0),
                        "net_amount": Decimal("100.00"),
                    }
                    for iid in ids
                ],
            )
            db.session.commit()
        return 1000


def main() -> None:
    parser = page_arguments("invoices.db")
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    flask("db", "upgrade", database_url=args.database)
    flask("seed-demo", database_url=args.database)
    prepare(args.database)
    with serve(args.database) as port:
        client = Client(port)
        client.login("/clients/login", EMAIL, PASSWORD)
        pages = {"first page": "/clients/invoices", "page 20 of 40": "/clients/invoices?page=20"}
        shown = {}
        for label, path in pages.items():
            _status, body = client.request("GET", path)
            shown[label] = body.count(b"<tr") - 1
        samples = time_blocks(client, ["/_bench/bare", *pages.values()], args.n, args.block)
        floor = median_ms(samples["/_bench/bare"])
        rows = []
        for label, path in pages.items():
            ms = median_ms(samples[path])
            rows.append((label, path, shown[label], ms, ms / floor))
    backend = args.database.split(":", 1)[0].split("+")[0]
    lines = [
        f"## Client invoice list, a customer with 1,000 invoices, {backend} "
        f"({datetime.date.today()})",
        "",
        "Command: `.venv/bin/python bench/portal_invoices.py"
        f"{'' if backend == 'sqlite' else ' --database ' + args.database}"
        f" -n {args.n} --block {args.block}`; gunicorn, 1 worker,"
        f" one client, {args.n} {MODE.format(block=args.block)}, medians.",
        "",
        f"Floor: bare Flask endpoint `/_bench/bare` {floor:.2f} ms.",
        "",
        "| page | path | rows | median | x floor | goal |",
        "|---|---|---|---|---|---|",
    ]
    for label, path, shown, ms, ratio in rows:
        lines.append(f"| {label} | `{path}` | {shown} | {ms:.2f} ms | {ratio:.2f} | ≤ 3x |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        append_results(text)


if __name__ == "__main__":
    main()
