"""Customer search at scale (issue 4): median time of /admin/customers?q=... against a bare
Flask endpoint served by the same gunicorn in the same run, on 100,000 customers.

    .venv/bin/python bench/customers_search.py                      # SQLite (bench/out/seed.db)
    .venv/bin/python bench/customers_search.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database is migrated and seeded with ``seed-demo --customers 100000`` when it has fewer.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from urllib.parse import quote

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

QUERIES = {
    "name prefix (one company)": None,  # filled in from the data: see company_prefix()
    "name prefix (782 companies, first 25 shown)": "Nordic Pix",
    "VAT number": "FI05432101",  # C-054321: registry_numbers.example_vat("FI", 54321)
    "contact email": "contact77777.1@bulk.example.com",
    "no search (first 100)": "",
}


def company_prefix(database_url: str) -> str:
    """The start of one bulk customer's name, as someone types it: "Atlas Maple 5432"."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        name = conn.execute(
            sa.text("SELECT company_name FROM customers WHERE number = 'C-054321'")
        ).scalar_one()
    engine.dispose()
    words = name.split()
    return f"{words[0]} {words[1]} {words[2][:4]}"


def main() -> None:
    parser = page_arguments("seed.db")
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    flask("db", "upgrade", database_url=args.database)
    flask("seed-demo", "--customers", "100000", database_url=args.database)

    QUERIES["name prefix (one company)"] = company_prefix(args.database)
    with serve(args.database) as port:
        client = Client(port)
        client.login("/admin/login", "admin@example.com", "demo-admin-2026")
        paths = {
            label: "/admin/customers" + (f"?q={quote(q)}" if q else "")
            for label, q in QUERIES.items()
        }
        hits = {}
        for label, path in paths.items():
            _status, body = client.request("GET", path)
            hits[label] = body.count(b'class="customer-row"')
        samples = time_blocks(client, ["/_bench/bare", *paths.values()], args.n, args.block)
        floor = median_ms(samples["/_bench/bare"])
        rows = []
        for label, q in QUERIES.items():
            ms = median_ms(samples[paths[label]])
            rows.append((label, q or "", hits[label], ms, ms / floor))
    backend = args.database.split(":", 1)[0].split("+")[0]
    lines = [
        f"## Customer search, 100,000 customers, {backend} ({datetime.date.today()})",
        "",
        f"Command: `.venv/bin/python bench/customers_search.py"
        f"{'' if backend == 'sqlite' else ' --database ' + args.database}"
        f" -n {args.n} --block {args.block}`; gunicorn, 1 worker,"
        " one client (sync workers: a new connection per request),"
        f" {args.n} {MODE.format(block=args.block)}, medians.",
        "",
        f"Floor: bare Flask endpoint `/_bench/bare` {floor:.2f} ms.",
        "",
        "| request | query | rows shown | median | x floor | goal |",
        "|---|---|---|---|---|---|",
    ]
    for label, q, hits, ms, ratio in rows:
        goal = "≤ 3x" if q else "-"
        lines.append(f"| {label} | `{q}` | {hits} | {ms:.2f} ms | {ratio:.2f} | {goal} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        append_results(text)


if __name__ == "__main__":
    main()
