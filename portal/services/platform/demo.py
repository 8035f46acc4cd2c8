"""Demo data for ``flask seed-demo``: a small, realistic company through the services (so every
rule and the audit log apply), and an optional bulk data set for benchmarks through Core
bulk inserts. The tables it is made of are :mod:`portal.services.platform.demo_data`, each
demo customer's documents :mod:`portal.services.platform.demo_documents`."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text, update

from portal.extensions import db
from portal.models import (
    Contact,
    Currency,
    Customer,
    CustomerGroup,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Role,
    Staff,
    TaxClass,
    TaxRate,
    customer_group_members,
)
from portal.models.base import utcnow
from portal.services import customers
from portal.services.billing import numbering
from portal.services.billing.money import round_money
from portal.services.customers import contacts, currencies, search_index
from portal.services.customers.registry import numbers as registry_numbers
from portal.services.identity import passwords
from portal.services.identity import staff as staff_service
from portal.services.platform.demo_data import (
    ACCOUNT_MANAGER_PERMISSIONS,
    BULK_CITIES,
    BULK_FIRST_NAMES,
    BULK_KINDS,
    BULK_LANGUAGES,
    BULK_LAST_NAMES,
    BULK_WORDS,
    COMPANIES,
    CURRENCIES,
    GROUPS,
    DemoCompany,
)
from portal.services.platform.demo_documents import seed_documents

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "demo-admin-2026"  # noqa: S105 - printed demo login, demo data only
CONTACT_EMAIL = COMPANIES[0].email  # the first demo company's primary contact
CONTACT_PASSWORD = "demo-contact-2026"  # noqa: S105 - printed demo login, demo data only


def logins_text(base_url: str) -> str:
    base = base_url.rstrip("/")
    return (
        "Demo logins (change them before real use):\n"
        f"  staff   {base}/admin/login    {ADMIN_EMAIL} / {ADMIN_PASSWORD}\n"
        f"  contact {base}/clients/login  {CONTACT_EMAIL} / {CONTACT_PASSWORD}"
    )


def seed_base() -> bool:
    """Creates the demo company once; returns False when it is already there."""
    if db.session.scalar(select(Staff.id).where(Staff.email == ADMIN_EMAIL)) is not None:
        return False
    manager = _seed_staff()
    _seed_reference_data()
    today = date.today()
    rng = random.Random(2026)
    for index, company in enumerate(COMPANIES):
        _seed_company(index, company, manager, today, rng)
    db.session.flush()
    return True


def _seed_staff() -> Staff:
    """The administrator login and an account manager who sees their own customers only;
    returns the account manager."""
    admin_role = staff_service.administrator_role()
    staff_service.create_staff(
        {"email": ADMIN_EMAIL, "name": "Alex Admin", "language": "en"}, admin_role, ADMIN_PASSWORD
    )
    sales = staff_service.role_by_name("Account manager")
    if sales is None:
        sales = Role(name="Account manager", description="Own customers only")
        sales.set_permissions(set(ACCOUNT_MANAGER_PERMISSIONS))
        db.session.add(sales)
        db.session.flush()
    return staff_service.create_staff(
        {"email": "maria.manager@example.com", "name": "Maria Manager", "language": "de"},
        sales,
        ADMIN_PASSWORD,
    )


def _seed_reference_data() -> None:
    """Currencies and customer groups (those not there yet), tax rates and tax classes."""
    for code, symbol, places in CURRENCIES:
        if db.session.scalar(select(Currency.id).where(Currency.code == code)) is None:
            currencies.create_currency(
                {
                    "code": code,
                    "symbol": symbol,
                    "decimal_places": places,
                    "is_default": code == "EUR",
                }
            )
    for name in GROUPS:
        if db.session.scalar(select(CustomerGroup.id).where(CustomerGroup.name == name)) is None:
            db.session.add(CustomerGroup(name=name))
    vat = TaxRate(name="VAT 24%", percent=Decimal("24"))
    reduced = TaxRate(name="VAT 10%", percent=Decimal("10"))
    zero = TaxRate(name="Zero rate", percent=Decimal("0"))
    db.session.add_all([vat, reduced, zero])
    db.session.add_all(
        [
            TaxClass(name="Domestic", default_tax_rate=vat),
            TaxClass(name="EU reverse charge", default_tax_rate=zero),
        ]
    )
    db.session.flush()


def _seed_company(
    index: int, company: DemoCompany, manager: Staff, today: date, rng: random.Random
) -> None:
    """One demo customer (the first four looked after by ``manager``) with its primary contact,
    an assistant who sees tickets only, and its documents."""
    customer = customers.create_customer(
        {
            "company_name": company.company,
            "vat_number": registry_numbers.example_vat(company.country, 100000 + index * 7919),
            "billing_street": f"{rng.randint(1, 200)} Main Street",
            "billing_city": company.city,
            "billing_zip": f"{10000 + index * 1111}",
            "billing_country": company.country,
            "currency": company.currency,
            "language": company.language,
            "groups": [company.group],
            "phone": f"+{30 + index} 555 0100 {index:02d}",
            "invoice_fields": ["PO number"] if index % 2 == 0 else [],
        }
    )
    if index < 4:
        customer.admins.append(manager)
    primary = contacts.create_contact(
        customer,
        {
            "first_name": company.first_name,
            "last_name": company.last_name,
            "email": company.email,
            "language": company.language,
            "position": "CEO",
        },
    )
    primary.password_hash = passwords.hash_password(CONTACT_PASSWORD)
    contacts.create_contact(
        customer,
        {
            "first_name": "Sam",
            "last_name": f"Assistant {index + 1}",
            "email": f"assistant{index + 1}@example.com",
            "permissions": ["tickets"],
        },
    )
    seed_documents(customer, primary, today, rng, index)


def seed_bulk(target: int, progress: Callable[[str], None] | None = None, chunk: int = 5000) -> int:
    """Grows the data set to ``target`` customers, each with two contacts and one issued
    invoice of two lines, with Core bulk inserts in chunks (each chunk commits)."""
    existing = db.session.scalar(select(func.count()).select_from(Customer)) or 0
    missing = max(0, target - existing)
    if not missing:
        return 0
    currency_ids = list(db.session.scalars(select(Currency.id).order_by(Currency.id)))
    places = {
        cid: dp for cid, dp in db.session.execute(select(Currency.id, Currency.decimal_places))
    }
    group_ids = list(db.session.scalars(select(CustomerGroup.id).order_by(CustomerGroup.id)))
    rng = random.Random(target)
    today = date.today()
    now = utcnow()
    done = 0
    while done < missing:
        size = min(chunk, missing - done)
        start_customer = numbering.next_value("customer")
        db.session.execute(
            update(NumberSequence)
            .where(NumberSequence.name == "customer")
            .values(next_value=start_customer + size)
        )
        start_invoice = numbering.next_value("invoice")
        db.session.execute(
            update(NumberSequence)
            .where(NumberSequence.name == "invoice")
            .values(next_value=start_invoice + size)
        )
        prefix_c = numbering.format_number("customer", 0)[:-6]
        prefix_i = numbering.format_number("invoice", 0)[:-6]
        customer_rows = []
        for i in range(size):
            seq = start_customer + i
            city, country = BULK_CITIES[seq % len(BULK_CITIES)]
            customer_rows.append(
                {
                    "number": f"{prefix_c}{seq:06d}",
                    "company_name": f"{BULK_WORDS[seq % 16]} {BULK_WORDS[(seq // 16) % 16]} "
                    f"{seq} {BULK_KINDS[seq % len(BULK_KINDS)]}",
                    "vat_number": registry_numbers.example_vat(country, seq),
                    "billing_street": f"{seq % 300 + 1} Market Street",
                    "billing_city": city,
                    "billing_zip": f"{10000 + seq % 89999}",
                    "billing_country": country,
                    "currency_id": currency_ids[seq % len(currency_ids)],
                    "language": BULK_LANGUAGES[seq % len(BULK_LANGUAGES)],
                    "is_active": seq % 17 != 0,
                    "invoice_fields": [],
                    "created_at": now,
                    "updated_at": now,
                    "created_by": "system",
                    "updated_by": "system",
                }
            )
        ids = list(
            db.session.execute(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True), customer_rows
            ).scalars()
        )
        contact_rows, member_rows, invoice_rows = [], [], []
        for i, cid in enumerate(ids):
            seq = start_customer + i
            for k in range(2):
                fn = BULK_FIRST_NAMES[(seq + k) % 16]
                ln = BULK_LAST_NAMES[(seq * 3 + k) % 14]
                contact_rows.append(
                    {
                        "customer_id": cid,
                        "first_name": fn,
                        "last_name": ln,
                        "email": f"contact{seq}.{k}@bulk.example.com",
                        "is_primary": k == 0,
                        "is_active": True,
                        "can_invoices": True,
                        "can_estimates": True,
                        "can_tickets": True,
                        "can_company": k == 0,
                        "session_version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "created_by": "system",
                        "updated_by": "system",
                    }
                )
            if group_ids:
                member_rows.append(
                    {"customer_id": cid, "group_id": group_ids[seq % len(group_ids)]}
                )
            cur = customer_rows[i]["currency_id"]
            q1, p1 = Decimal(rng.randint(1, 20)), Decimal(rng.randint(2000, 20000)) / 100
            q2, p2 = Decimal(1), Decimal(rng.randint(5000, 150000)) / 100
            net1, net2 = round_money(q1 * p1, places[cur]), round_money(q2 * p2, places[cur])
            subtotal = net1 + net2
            tax = round_money(subtotal * Decimal("0.24"), places[cur])
            issue = today - timedelta(days=seq % 90)
            paid = seq % 3 == 0
            invoice_rows.append(
                {
                    "customer_id": cid,
                    "currency_id": cur,
                    "kind": "invoice",
                    "number": f"{prefix_i}{start_invoice + i:06d}",
                    "status": "paid" if paid else "unpaid",
                    "issue_date": issue,
                    "due_date": issue + timedelta(days=14),
                    "issued_at": now,
                    "subtotal": subtotal,
                    "tax_total": tax,
                    "total": subtotal + tax,
                    "amount_paid": subtotal + tax if paid else Decimal(0),
                    "custom_fields": {},
                    "billing_address": {"company_name": customer_rows[i]["company_name"]},
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "created_by": "system",
                    "updated_by": "system",
                    "_lines": [(net1, q1, p1, "Consulting (hours)"), (net2, q2, p2, "Licence")],
                }
            )
        db.session.execute(insert(Contact), contact_rows)
        if member_rows:
            db.session.execute(insert(customer_group_members), member_rows)
        line_specs = [row.pop("_lines") for row in invoice_rows]
        invoice_ids = list(
            db.session.execute(
                insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), invoice_rows
            ).scalars()
        )
        line_rows = [
            {
                "invoice_id": iid,
                "position": pos,
                "description": desc,
                "quantity": q,
                "unit_price": p,
                "tax_percent": Decimal("24"),
                "discount_percent": Decimal(0),
                "net_amount": net,
            }
            for iid, specs in zip(invoice_ids, line_specs, strict=True)
            for pos, (net, q, p, desc) in enumerate(specs)
        ]
        db.session.execute(insert(InvoiceLine), line_rows)
        search_index.rebuild(db.session, ids)
        db.session.commit()
        done += size
        if progress:
            progress(f"  {existing + done} customers")
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the planner and a visibility map for index-only scans after a bulk
        # load (autovacuum would get there later); VACUUM cannot run inside a transaction.
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return done
