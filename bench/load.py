"""Bounded loopback load test (issue 10): gunicorn with 3 workers on PostgreSQL with
``seed-demo --customers 100000``, 8 concurrent clients, a 70/20/10 mix of portal reads, admin
pages and PDF downloads, compared with a bare Flask endpoint served by the same gunicorn.

Phases, all against one gunicorn started by :func:`bench.harness.serve` (which also reads the
project's ``gunicorn.conf.py``):

1. ``bare``: every client GETs ``/_bench/bare`` (the floor);
2. ``invoice list``: every client GETs ``/clients/invoices`` (the goal's own number);
3. ``mix without PDF``: portal and admin pages only (the p95 reference);
4. ``mix``: 70 % portal reads, 20 % admin pages, 10 % PDF downloads for ``--duration`` seconds;
   a quarter of the way in, 20 invoices are issued in 20 threads through the services against
   the same database, and their numbers must be 20 unique consecutive ones.

Worker memory is VmRSS from ``/proc/<pid>/status`` of gunicorn's workers, sampled twice a second.
Loopback only; bounded by the durations. Usage::

    bench/seed_demo.sh postgresql+psycopg://postgres@127.0.0.1:5432/bench_issue10   # once
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://...  [--write]
    .venv/bin/python bench/load.py --smoke        # 5-second phases, nothing written
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal.services.billing.totals import recalculate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, Client, append_results, serve

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_issue10"
CONTACT_PASSWORD = "bench-contact-2026"  # set on bulk contacts of the bench data
ADMIN = ("admin@example.com", "demo-admin-2026")
#: kind -> (share of the mix, area)
MIX = {
    "portal dashboard": (0.20, "portal"),
    "portal invoice list": (0.30, "portal"),
    "portal invoice detail": (0.20, "portal"),
    "admin dashboard": (0.07, "admin"),
    "admin customer search": (0.07, "admin"),
    "admin customer card": (0.06, "admin"),
    "portal invoice PDF": (0.10, "pdf"),
}
NO_PDF = {k: v for k, v in MIX.items() if v[1] != "pdf"}


@dataclass
class Plan:
    """What one client process does (picklable for the spawned processes)."""

    port: int
    contacts: list[tuple[str, int]]  # (email, own invoice id)
    customer_ids: list[int]
    search_terms: list[str]
    seed: int
    pdf_admin: bool = False
    pdf_ids: list[int] = field(default_factory=list)


def _path(kind: str, rng: random.Random, plan: Plan, invoice_id: int) -> tuple[str, str]:
    """(session, path) for one request of ``kind``."""
    if kind == "bare":
        return "anonymous", "/_bench/bare"
    if kind == "portal dashboard":
        return "portal", "/clients/"
    if kind == "portal invoice list":
        return "portal", "/clients/invoices"
    if kind == "portal invoice detail":
        return "portal", f"/clients/invoices/{invoice_id}"
    if kind == "admin dashboard":
        return "admin", "/admin/"
    if kind == "admin customer search":
        return "admin", f"/admin/customers?q={rng.choice(plan.search_terms)}"
    if kind == "admin customer card":
        return "admin", f"/admin/customers/{rng.choice(plan.customer_ids)}"
    if kind == "portal invoice PDF":
        if plan.pdf_admin:
            return "admin", f"/admin/invoices/{rng.choice(plan.pdf_ids)}/pdf"
        return "portal", f"/clients/invoices/{invoice_id}/pdf"
    raise ValueError(kind)


def client_process(
    plan: Plan, kinds: dict[str, float], start_at: float, seconds: float, out: Any
) -> None:
    """One client: signs in (portal and admin), then requests until the deadline.
    Sends ``[(kind, latency_s, ok)]`` to ``out``."""
    try:
        out.put(_client_loop(plan, kinds, start_at, seconds))
    except Exception as exc:
        out.put([("_failed", 0.0, False)])
        raise SystemExit(f"client {plan.seed} failed: {exc}") from exc


def _client_loop(
    plan: Plan, kinds: dict[str, float], start_at: float, seconds: float
) -> list[tuple[str, float, bool]]:
    rng = random.Random(plan.seed)
    sessions: dict[str, Client] = {}
    contact_logins: list[tuple[Client, int]] = []
    for email, invoice_id in plan.contacts:
        portal = Client(plan.port)
        portal.login("/clients/login", email, CONTACT_PASSWORD)
        contact_logins.append((portal, invoice_id))
    sessions["anonymous"] = Client(plan.port)  # no cookie: the floor loads no user
    sessions["admin"] = Client(plan.port)
    sessions["admin"].login("/admin/login", *ADMIN)
    names, weights = list(kinds), list(kinds.values())
    samples: list[tuple[str, float, bool]] = []
    while time.time() < start_at:
        time.sleep(0.01)
    deadline = start_at + seconds
    while True:
        now = time.time()
        if now >= deadline:
            break
        kind = rng.choices(names, weights)[0]
        portal, invoice_id = rng.choice(contact_logins)
        sessions["portal"] = portal
        session, path = _path(kind, rng, plan, invoice_id)
        client = sessions[session]
        started = time.perf_counter()
        try:
            status, body = client.request("GET", path)
            ok = status == 200 and (not kind.endswith("PDF") or body.startswith(b"%PDF"))
        except OSError:
            client.conn.close()
            ok = False
        samples.append((kind, time.perf_counter() - started, ok))
    return samples


# -- preparation on the database ----------------------------------------------------------------


def prepare(database_url: str, clients: int, contacts_per_client: int) -> tuple[Any, list[Plan]]:
    """Sets a known password on bulk contacts, picks search terms, customer cards and PDF
    invoices; returns the app (for the numbering check) and one plan per client."""
    from sqlalchemy import func, select, text, update

    from portal import create_app
    from portal.extensions import db
    from portal.models import Contact, Customer, Invoice
    from portal.services.identity import passwords

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 25},
        }
    )
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Customer)) or 0
        if total < 100_000:
            raise SystemExit(
                f"{database_url} has {total} customers; seed it first: "
                f"bench/seed_demo.sh {database_url}"
            )
        wanted = clients * contacts_per_client
        rows = db.session.execute(
            select(Contact.id, Contact.email, func.min(Invoice.id))
            .join(Invoice, Invoice.customer_id == Contact.customer_id)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(
                Customer.is_active.is_(True),
                Contact.is_active.is_(True),
                Contact.email.like("%.0@bulk.example.com"),
                Contact.is_primary.is_(True),
                Invoice.status != "draft",
            )
            .group_by(Contact.id, Contact.email)
            .order_by(Contact.id)
            .limit(wanted)
        ).all()
        db.session.execute(
            update(Contact)
            .where(Contact.id.in_([r[0] for r in rows]))
            .values(password_hash=passwords.hash_password(CONTACT_PASSWORD), totp_secret=None)
        )
        db.session.commit()
        rng = random.Random(10)
        customer_ids = rng.sample(range(1, total + 1), 200)
        names = db.session.scalars(
            select(Customer.company_name).where(Customer.id.in_(customer_ids[:60]))
        )
        terms = sorted({re.split(r"\W+", n)[0].lower() for n in names if n} - {""})
        pdf_ids = list(
            db.session.scalars(
                text("SELECT id FROM invoices WHERE status <> 'draft' ORDER BY random() LIMIT 400")
            )
        )
        db.session.remove()
    contacts = [(email, invoice_id) for _cid, email, invoice_id in rows]
    plans = [
        Plan(
            port=0,
            contacts=contacts[i * contacts_per_client : (i + 1) * contacts_per_client],
            customer_ids=customer_ids,
            search_terms=terms,
            seed=1000 + i,
            pdf_ids=pdf_ids,
        )
        for i in range(clients)
    ]
    return app, plans


def numbering_check(app: Any, threads: int = 20) -> dict[str, Any]:
    """Issues ``threads`` drafts at once through the services; numbers must be unique and
    consecutive."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Customer, Invoice, InvoiceLine
    from portal.models.database import begin_write
    from portal.services import billing
    from portal.services.platform.audit import SYSTEM, acting_as

    with app.app_context():
        begin_write()
        with acting_as(SYSTEM):
            customer = db.session.scalar(select(Customer).order_by(Customer.id.desc()).limit(1))
            ids = []
            for n in range(threads):
                invoice = Invoice(
                    customer=customer,
                    currency=customer.currency,
                    status="draft",
                    kind="invoice",
                    lines=[
                        InvoiceLine(
                            position=0,
                            description=f"Load test {n}",
                            quantity=Decimal(1),
                            unit_price=Decimal("10.00"),
                            tax_percent=Decimal(0),
                            discount_percent=Decimal(0),
                        )
                    ],
                )
                db.session.add(invoice)
                recalculate(invoice)
                db.session.flush()
                ids.append(invoice.id)
            db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(threads)
    numbers: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def issue(invoice_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                begin_write()
                with acting_as(SYSTEM):
                    invoice = db.session.get(Invoice, invoice_id)
                    billing.issue_invoice(invoice)
                    db.session.commit()
                with lock:
                    numbers.append(invoice.number)
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    started = time.perf_counter()
    workers = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    values = sorted(int(re.sub(r"\D", "", n)) for n in numbers)
    ok = (
        not errors
        and len(values) == threads
        and len(set(values)) == threads
        and values[-1] - values[0] == threads - 1
    )
    return {
        "ok": ok,
        "numbers": sorted(numbers),
        "errors": errors,
        "seconds": time.perf_counter() - started,
    }


# -- measuring ----------------------------------------------------------------------------------


def _worker_pids(port: int) -> list[int]:
    """gunicorn's worker pids: children of the master serving ``port``."""
    procs: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        procs[int(entry.name)] = (ppid, cmdline)
    masters = {
        pid
        for pid, (_pp, cmd) in procs.items()
        if "gunicorn" in cmd
        and f":{port}" in cmd
        and procs.get(_pp, (0, ""))[1].find("gunicorn") < 0
    }
    return sorted(pid for pid, (ppid, _cmd) in procs.items() if ppid in masters)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.peak: dict[int, float] = defaultdict(float)
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(0.5):
            for pid in _worker_pids(self.port):
                self.peak[pid] = max(self.peak[pid], _rss_mb(pid))


def run_phase(
    plans: list[Plan], kinds: dict[str, float], seconds: float, during: Any = None
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 8  # time for every client to start and sign in
    procs = [
        ctx.Process(target=client_process, args=(p, kinds, start_at, seconds, out)) for p in plans
    ]
    for proc in procs:
        proc.start()
    result: dict[str, Any] = {}
    if during is not None:
        delay = start_at - time.time() + seconds / 4
        timer = threading.Timer(max(delay, 0), lambda: result.update(during()))
        timer.start()
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for _ in procs:
        for kind, latency, ok in out.get(timeout=seconds + 120):
            latencies[kind].append(latency)
            if not ok:
                errors[kind] += 1
    for proc in procs:
        proc.join(timeout=30)
    if during is not None:
        timer.join()
        latencies["_during"] = [0.0]
        errors.update({"_during_ok": int(bool(result.get("ok")))})
        run_phase.during_result = result  # type: ignore[attr-defined]
    return latencies, errors, seconds


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--duration", type=float, default=60, help="seconds of the full mix")
    parser.add_argument("--phase", type=float, default=20, help="seconds of each other phase")
    parser.add_argument(
        "--pdf",
        choices=["portal", "admin-cold"],
        default="portal",
        help="portal: contacts download their own invoices (cached after the "
        "first render); admin-cold: staff download 400 random invoices",
    )
    parser.add_argument("--smoke", action="store_true", help="5-second phases, nothing written")
    parser.add_argument("--write", action="store_true", help="append the results to RESULTS.md")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.phase, args.write = 5.0, 5.0, False
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the load test runs on PostgreSQL (see --database-url)")

    app, plans = prepare(args.database_url, args.clients, contacts_per_client=2)
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    server_log = out_dir / "load-server.log"
    pdf_cache = tempfile.TemporaryDirectory(prefix="bench-pdf-cache-")  # cold at the start
    os.environ["PORTAL_PDF_CACHE_DIR"] = pdf_cache.name
    saved_stderr = os.dup(2)
    with server_log.open("wb") as log_file:
        os.dup2(log_file.fileno(), 2)  # gunicorn inherits it: the request log goes to the file
        try:
            with serve(args.database_url, workers=args.workers) as port:
                os.dup2(saved_stderr, 2)
                sampler = MemorySampler(port)
                sampler.start()
                for plan in plans:
                    plan.port = port
                    plan.pdf_admin = args.pdf == "admin-cold"
                phases = {}
                print(
                    f"gunicorn -w {args.workers} on :{port}, workers {_worker_pids(port)}",
                    flush=True,
                )
                phases["bare"] = run_phase(plans, {"bare": 1.0}, args.phase)
                print("bare done", flush=True)
                phases["invoice list"] = run_phase(plans, {"portal invoice list": 1.0}, args.phase)
                print("invoice list done", flush=True)
                phases["mix without PDF"] = run_phase(
                    plans,
                    {k: v[0] for k, v in NO_PDF.items()},
                    max(args.phase, 30 if not args.smoke else 5),
                )
                print("mix without PDF done", flush=True)
                phases["mix"] = run_phase(
                    plans,
                    {k: v[0] for k, v in MIX.items()},
                    args.duration,
                    during=lambda: numbering_check(app),
                )
                print("mix done", flush=True)
                sampler.stop_event.set()
                sampler.join()
        finally:
            os.dup2(saved_stderr, 2)
            pdf_cache.cleanup()
    during = getattr(run_phase, "during_result", {})
    log_lines = sum(1 for line in server_log.open(errors="replace") if "portal.request" in line)
    report = render(args, phases, sampler.peak, during, log_lines)
    print(report)
    if args.write:
        append_results(report)


def render(
    args: argparse.Namespace,
    phases: dict[str, Any],
    peak: dict[int, float],
    during: dict[str, Any],
    log_lines: int,
) -> str:
    bare_lat, _bare_err, bare_s = phases["bare"]
    bare_rps = len(bare_lat["bare"]) / bare_s
    bare_p50, bare_p95 = pct(bare_lat["bare"], 50), pct(bare_lat["bare"], 95)
    nopdf_lat = phases["mix without PDF"][0]
    mix_lat, _mix_err, _mix_s = phases["mix"]
    list_lat, _list_err, list_s = phases["invoice list"]
    list_rps = len(list_lat["portal invoice list"]) / list_s
    total_errors = sum(
        v for phase in phases.values() for k, v in phase[1].items() if not k.startswith("_")
    )
    total_requests = sum(
        len(v) for phase in phases.values() for k, v in phase[0].items() if not k.startswith("_")
    )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Load test (issue 10), {now}",
        "",
        f"Command: `.venv/bin/python bench/load.py --database-url {args.database_url}"
        f"{' --pdf admin-cold' if args.pdf == 'admin-cold' else ''} --write` - gunicorn "
        f"`-w {args.workers}` (sync workers, the project's `gunicorn.conf.py`), "
        f"{args.clients} client processes on loopback (they share the machine's "
        f"{os.cpu_count()} cores with gunicorn and PostgreSQL), seed-demo --customers 100000. "
        f"Phases: bare {args.phase:.0f} s, invoice list alone {args.phase:.0f} s, mix without PDF "
        f"{phases['mix without PDF'][2]:.0f} s, full mix {args.duration:.0f} s. PDFs: "
        + (
            "contacts download their own invoices (rendered once, then from the PDF cache)."
            if args.pdf == "portal"
            else "staff download 400 random invoices (mostly cold renders)."
        ),
        "",
        f"Bare endpoint (`/_bench/bare`, same gunicorn): **{bare_rps:.0f} req/s**, "
        f"p50 {bare_p50:.1f} ms, p95 {bare_p95:.1f} ms.",
        "",
        "| phase | kind | requests | req/s | x bare req/s | p50 ms | p95 ms | p50 x bare "
        "| p95 x bare | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for phase_name in ("invoice list", "mix without PDF", "mix"):
        lat, err, secs = phases[phase_name]
        for kind in [k for k in MIX if k in lat]:
            values = lat[kind]
            label = kind
            if kind.endswith("PDF") and args.pdf == "admin-cold":
                label = "admin invoice PDF (cold)"
            rps = len(values) / secs
            p50, p95 = pct(values, 50), pct(values, 95)
            lines.append(
                f"| {phase_name} | {label} | {len(values)} | {rps:.1f} | {rps / bare_rps:.3f} "
                f"| {p50:.1f} | {p95:.1f} | {p50 / bare_p50:.1f} | {p95 / bare_p95:.1f} "
                f"| {err.get(kind, 0)} |"
            )
        total = sum(len(v) for k, v in lat.items() if not k.startswith("_"))
        lines.append(
            f"| {phase_name} | **all** | {total} | {total / secs:.1f} "
            f"| {total / secs / bare_rps:.3f} | | | | | |"
        )
    non_pdf = [v for k, vs in mix_lat.items() if k in NO_PDF for v in vs]
    non_pdf_ref = [v for k, vs in nopdf_lat.items() if k in NO_PDF for v in vs]
    p95_mix, p95_ref = pct(non_pdf, 95), pct(non_pdf_ref, 95)
    worst_rss = max(peak.values(), default=0.0)
    numbers = during.get("numbers", [])
    goal = {True: "met", False: "**missed**"}
    lines += [
        "",
        f"- Errors: {total_errors} of {total_requests} requests (goal 0: "
        f"{goal[total_errors == 0]}).",
        f"- Portal invoice list alone: {list_rps:.1f} req/s = **{list_rps / bare_rps:.1%}** of "
        f"the bare endpoint (goal >= 15 %: {goal[list_rps / bare_rps >= 0.15]}); in the mix its "
        f"p50 is {pct(mix_lat.get('portal invoice list', [0.0]), 50):.1f} ms.",
        f"- Non-PDF p95: {p95_mix:.1f} ms with PDF load, {p95_ref:.1f} ms without = "
        f"**{p95_mix / p95_ref:.2f} x** (goal <= 3 x: {goal[p95_mix / p95_ref <= 3]}).",
        "- Worker memory (peak VmRSS per worker pid; `max_requests` recycles workers): "
        + ", ".join(f"{v:.0f} MB" for _pid, v in sorted(peak.items()))
        + f" (goal < 300 MB: {goal[0 < worst_rss < 300]}).",
        f"- Numbering: 20 invoices issued in 20 threads during the mix in "
        f"{during.get('seconds', 0):.2f} s: {numbers[0] if numbers else '-'} .. "
        f"{numbers[-1] if numbers else '-'}, unique and consecutive: "
        f"{goal[bool(during.get('ok'))]}"
        + (f"; errors {during['errors']}" if during.get("errors") else "")
        + ".",
        f"- Request log: {log_lines} `portal.request` lines for {total_requests} timed requests "
        f"plus sign-ins.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
