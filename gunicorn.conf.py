"""gunicorn settings for production: ``gunicorn wsgi:app`` in the project folder reads this file.

Environment:

* ``PORT`` (default 8000) and ``BIND_HOST`` (default 127.0.0.1: the load balancer or nginx on
  the same host connects; use 0.0.0.0 only when the balancer is on another host);
* ``WEB_CONCURRENCY``: worker processes (default 2 x CPU cores + 1);
* ``GUNICORN_THREADS``: threads per worker (default 1: sync workers, one request at a time);
* ``FORWARDED_ALLOW_IPS``: addresses of the proxies whose ``X-Forwarded-For/-Proto`` headers are
  trusted (default 127.0.0.1; give the load balancer's address, never ``*`` on a host that
  clients can reach directly: the rate limits key on the client address);
* ``PROMETHEUS_MULTIPROC_DIR``: where the workers keep their request metrics so that
  ``/metrics`` sums all of them (default: a fresh folder under /dev/shm or the temp dir).

Command-line options still win (``gunicorn -w 3 -b 127.0.0.1:9000 wsgi:app``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_shm = Path("/dev/shm")  # noqa: S108 - tmpfs for heartbeats; mkdtemp makes a private folder

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# The heartbeat file of each worker on tmpfs: a slow disk never makes a busy worker look dead.
worker_tmp_dir = str(_shm) if _shm.is_dir() else None
timeout = 60  # a request running longer than this gets its worker restarted
graceful_timeout = 30  # on restart or stop, running requests get this long to finish
keepalive = 5
max_requests = 2000  # recycle workers now and then (bounded memory growth)
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one line per request itself (logger ``portal.request``, with request id and
# duration); gunicorn's access log would only repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# gunicorn's control socket (one fixed path in $HOME) is not used; several instances on one
# host (blue/green, tests) would fight over it.
control_socket_disable = True

# Request metrics of all workers, summed by /metrics (prometheus_client multiprocess mode).
# Set here, before any worker imports the app, so every worker inherits it.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
        prefix="portal-metrics-", dir=str(_shm) if _shm.is_dir() else None
    )


def on_starting(server: Any) -> None:
    """Start with empty metrics (counters of a previous run would otherwise add up)."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


_outbox_worker: subprocess.Popen[bytes] | None = None


def when_ready(server: Any) -> None:
    """``make run`` (``PORTAL_OUTBOX_WORKER=1``) delivers emails without a second command: the
    outbox worker runs beside gunicorn and stops with it. In production run it as its own
    service (docs/deployment.md). Requests never deliver email themselves."""
    global _outbox_worker
    if os.environ.get("PORTAL_OUTBOX_WORKER") != "1":
        return
    if not os.environ.get("PORTAL_MAIL_SERVER"):
        server.log.info("PORTAL_MAIL_SERVER is not set: emails wait in the outbox")
        return
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", "--loop"]
    _outbox_worker = subprocess.Popen([*command, "--interval", "2"])  # noqa: S603
    server.log.info("Outbox worker started (pid %s)", _outbox_worker.pid)


def post_worker_init(worker: Any) -> None:
    """Garbage collection tuned for a request-serving process: the objects of the loaded app
    (modules, templates, mappers) move to a permanent generation that collections no longer
    walk, and the youngest generation is collected after 10,000 new objects instead of 700 (a
    list page creates tens of thousands; default settings collected several times a request)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    if os.environ.get("PORTAL_RUN_BANNER") and worker.age == worker.cfg.workers:
        _print_banner()


def _print_banner() -> None:
    """``make run``: once the last of the first workers has loaded the app, the address and the
    demo logins are the last thing on the screen (after gunicorn's "Listening at" line)."""
    from portal.services.platform.demo import logins_text

    base = os.environ.get("PORTAL_BASE_URL", f"http://{bind}")
    print(f"\nThe portal is ready at {base}\n{logins_text(base)}", flush=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _outbox_worker is not None and _outbox_worker.poll() is None:
        _outbox_worker.terminate()
        _outbox_worker.wait(timeout=10)
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
