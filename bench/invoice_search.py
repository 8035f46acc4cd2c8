"""Invoice and estimate search at scale (issue 17): median time of /admin/invoices?q=... and
/admin/estimates?q=... against a bare Flask endpoint served by the same gunicorn in the same run.

    .venv/bin/python bench/invoice_search.py [--database URL] [-n 200] [--block 20] [--write]

The data set is the dashboard benchmark's (``bench/dashboard.py``: ``seed-demo --customers
100000`` topped up to about 200,000 invoices and credit notes and 10,000 estimates; the same
SQLite file ``bench/out/dashboard.db`` by default, built on the first run). A ``view_own``
member assigned to 100 customers is timed too.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.customers_search import company_prefix
from bench.dashboard import ADMIN, OWN_EMAIL, OWN_PASSWORD, prepare
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

#: label -> (list path, query); the company prefix is filled in from the data.
SEARCHES: dict[str, tuple[str, str]] = {
    "invoice number": ("/admin/invoices", "INV-B0054321"),
    "customer name (one company)": ("/admin/invoices", ""),
    "customer number": ("/admin/invoices", "C-054321"),
    "VAT number": ("/admin/invoices", "FI05432101"),
    "name prefix (782 companies)": ("/admin/invoices", "Nordic Pix"),
    "name prefix, open invoices only": ("/admin/invoices", "Nordic Pix&status=open"),
    "no search (first page)": ("/admin/invoices", ""),
    "estimates: name prefix (782 companies)": ("/admin/estimates", "Nordic Pix"),
    "estimates: customer number": ("/admin/estimates", "C-054321"),
}
OWN_SEARCHES = {"view_own (100 customers): name prefix": ("/admin/invoices", "Nordic")}


def _path(base: str, q: str) -> str:
    if not q:
        return base
    words, _sep, rest = q.partition("&")
    return f"{base}?q={quote(words)}" + (f"&{rest}" if rest else "")


def _run(port: int, login: tuple[str, str], searches: dict, n: int, block: int):
    client = Client(port)
    client.login("/admin/login", *login)
    paths = {label: _path(base, q) for label, (base, q) in searches.items()}
    rows = {}
    for label, path in paths.items():
        _status, body = client.request("GET", path)
        rows[label] = body.count(b'class="invoice-row"') + body.count(b'class="estimate-row"')
    samples = time_blocks(client, ["/_bench/bare", *paths.values()], n, block)
    floor = median_ms(samples["/_bench/bare"])
    return floor, [
        (label, paths[label], rows[label], median_ms(samples[paths[label]])) for label in paths
    ]


def main() -> None:
    parser = page_arguments("dashboard.db")
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    flask("db", "upgrade", database_url=args.database)
    flask("seed-demo", "--customers", "100000", database_url=args.database)
    counts = prepare(args.database)
    SEARCHES["customer name (one company)"] = ("/admin/invoices", company_prefix(args.database))
    with serve(args.database) as port:
        floor, results = _run(port, ADMIN, SEARCHES, args.n, args.block)
        own_floor, own = _run(port, (OWN_EMAIL, OWN_PASSWORD), OWN_SEARCHES, args.n, args.block)
    backend = args.database.split(":", 1)[0].split("+")[0]
    lines = [
        f"## Invoice and estimate search, {counts['invoices']:,} invoices, {backend}"
        f" ({datetime.date.today()})",
        "",
        "Command: `.venv/bin/python bench/invoice_search.py"
        f"{'' if backend == 'sqlite' else ' --database ' + args.database}"
        f" -n {args.n} --block {args.block}`; gunicorn, 1 worker, one client,"
        f" {args.n} {MODE.format(block=args.block)}, medians. Data: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + " (the dashboard benchmark's set).",
        "",
        f"Floor: bare Flask endpoint `/_bench/bare` {floor:.2f} ms"
        f" ({own_floor:.2f} ms in the view_own member's run).",
        "",
        "| search | path | rows shown | median | x floor |",
        "|---|---|---|---|---|",
    ]
    for label, path, shown, ms in results:
        lines.append(f"| {label} | `{path}` | {shown} | {ms:.2f} ms | {ms / floor:.1f} |")
    for label, path, shown, ms in own:
        lines.append(f"| {label} | `{path}` | {shown} | {ms:.2f} ms | {ms / own_floor:.1f} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        append_results(text)


if __name__ == "__main__":
    main()
