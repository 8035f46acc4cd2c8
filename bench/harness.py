"""Shared benchmark plumbing: serve the real app with gunicorn (plus a bare endpoint as the
floor), sign in like a browser, and time requests over one keep-alive connection.

Used by the benchmark scripts in this folder; each prints a Markdown table and can append it to
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(database_url: str, workers: int = 1, threads: int = 1) -> Iterator[int]:
    """gunicorn serving ``bench.wsgi_bench:app`` (the real app plus ``/_bench/bare``)."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_COOKIE_SECURE": "false",
        "PORTAL_RATELIMIT_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.wsgi_bench:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Client:
    """A keep-alive HTTP client with a cookie jar good enough for our own app."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload

    def login(self, path: str, email: str, password: str) -> None:
        status, page = self.request("GET", path)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        token = match.group(1).decode() if match else ""
        status, _ = self.request(
            "POST", path, {"csrf_token": token, "email": email, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"login at {path} failed with {status}")

    def time(self, path: str, n: int) -> list[float]:
        """``n`` timed GETs of ``path`` (after two warm-up requests); seconds each."""
        for _ in range(2):
            self.request("GET", path)
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            status, _ = self.request("GET", path)
            samples.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        return samples


def time_blocks(
    client: Client, paths: list[str], n: int, block: int = 20
) -> dict[str, list[float]]:
    """``n`` timed GETs of each path, taken in blocks: ``block`` requests to one path (after
    two untimed ones), then a block of the next path, the order rotating from round to round.

    Within a block a path runs with its own code hot, as when it is timed alone; the rounds
    spread the slow and fast moments of a shared machine over the floor and the pages alike
    (a run of each path one after the other saw the floor alone move by 2x between runs).
    ``block=1`` is fully interleaved (every request follows another path's: caches are cold,
    which costs the tiny floor relatively most); ``block=n`` is one path after the other."""
    samples: dict[str, list[float]] = {path: [] for path in paths}
    rounds = -(-n // block)
    for round_no in range(rounds):
        shift = round_no % len(paths)
        for path in paths[shift:] + paths[:shift]:
            size = min(block, n - len(samples[path]))
            for i in range(size + 2):
                start = time.perf_counter()
                status, _ = client.request("GET", path)
                elapsed = time.perf_counter() - start
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                if i >= 2:
                    samples[path].append(elapsed)
    return samples


#: How ``time_blocks`` took its samples, for the result tables.
MODE = "requests to each path in blocks of {block} (rotating order)"


def page_arguments(default_db: str) -> argparse.ArgumentParser:
    """The options every page benchmark takes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench' / 'out' / default_db}")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument(
        "--block",
        type=int,
        default=20,
        help="consecutive requests to one path before the next (1: fully interleaved)",
    )
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    return parser


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def append_results(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text.rstrip() + "\n")


def flask(*args: str, database_url: str) -> str:
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "FLASK_APP": "wsgi"}
    out = subprocess.run(
        [str(VENV_BIN / "flask"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


if __name__ == "__main__":
    sys.exit("import this module from a benchmark script")
