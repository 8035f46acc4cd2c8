"""WeasyPrint in a separate process with a hard time limit.

A document that takes too long to lay out (a hostile or absurd invoice) must not hold a web
worker until gunicorn kills it: :func:`render` hands the HTML to a helper process and waits at
most ``timeout`` seconds; past that the helper is killed, a fresh one is started for the next
render, and :class:`RenderTimeout` is raised. The helper is a fresh interpreter running this
module (no copied database connections or threads), started once per process that renders and
reused; it imports only WeasyPrint and the fetcher below.
"""

from __future__ import annotations

import json
import mimetypes
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url


class RefusedURL(ValueError):
    """WeasyPrint asked for a URL outside the project's static files."""


class RenderTimeout(RuntimeError):
    """The document did not render within the time limit."""


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only files under ``root`` (the project's static
    folder) and the ``extra_files`` named by us, read in process; it refuses every other URL
    (other ``file://`` paths, symlinks out of ``root``, ``http(s)://``, ``data:`` ...)."""

    def __init__(self, root: Path, extra_files: Iterable[Path] = ()) -> None:
        # No network handler is ever used (``fetch`` below never calls ``urllib``), but the
        # base class is told the same: file URLs only, no redirects.
        super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False)
        self.root = root.resolve()
        self.extra_files = frozenset(p.resolve() for p in extra_files)
        self.fetched: list[str] = []

    def resolve(self, url: str) -> Path:
        """The local file ``url`` stands for, or :class:`RefusedURL`."""
        try:
            parts = urlsplit(url)
        except ValueError:
            raise RefusedURL(f"malformed URL refused: {url[:200]}") from None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"only the project's static files may be loaded: {url[:200]}")
        if parts.query:
            raise RefusedURL(f"query strings are not allowed: {url[:200]}")
        path = Path(url2pathname(unquote(parts.path)))
        if not path.is_absolute():
            raise RefusedURL(f"relative file URL refused: {url[:200]}")
        resolved = path.resolve()
        if resolved in self.extra_files and resolved.is_file():
            return resolved
        if resolved.is_relative_to(self.root) and resolved.is_file():
            return resolved
        raise RefusedURL(f"file outside the project's static folder refused: {url[:200]}")

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        self.fetched.append(str(path))
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path2url(path), body=path.read_bytes(), headers={"Content-Type": mime}
        )


_css_cache: dict[str, CSS] = {}


def write_pdf(html: str, fetcher: StaticFilesFetcher, css_file: Path) -> bytes:
    """Prints ``html`` with ``fetcher`` and the print stylesheet, in this process; the
    stylesheet is read by us (never fetched by URL) and parsed once per file version."""
    key = f"{css_file}:{os.stat(css_file).st_mtime_ns}"
    css = _css_cache.get(key)
    if css is None:
        _css_cache.clear()
        text = css_file.read_text("utf-8")
        css = _css_cache[key] = CSS(string=text, base_url=path2url(css_file), url_fetcher=fetcher)
    document = HTML(string=html, base_url=path2url(fetcher.root) + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css])  # type: ignore[no-any-return]


# -- the helper process ---------------------------------------------------------------------
#
# ``python pdf_worker.py`` reads requests from stdin and answers on
# stdout, each message a 4-byte big-endian length and a body: a request is JSON
# ``{"html", "root", "extra_files", "css"}``, an answer one status byte (``0`` the PDF follows,
# ``1`` an error message follows) and the bytes.

_HEADER = struct.Struct(">I")


def _serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        request = json.loads(stdin.read(_HEADER.unpack(header)[0]))
        try:
            fetcher = StaticFilesFetcher(Path(request["root"]), map(Path, request["extra_files"]))
            answer = b"\x00" + write_pdf(request["html"], fetcher, Path(request["css"]))
        except Exception as exc:  # reported to the parent, which raises
            answer = b"\x01" + f"{type(exc).__name__}: {exc}".encode()
        stdout.write(_HEADER.pack(len(answer)) + answer)
        stdout.flush()


class _Helper:
    """One helper process, started on first use and replaced after a timeout or a crash."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "portal.services.billing.pdf_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(Path(__file__).resolve().parents[3]),
        )
        self.pid = os.getpid()

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.proc.poll() is None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()

    def _read(self, size: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd, data = self.proc.stdout.fileno(), b""
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise RenderTimeout("no answer in time")
            chunk = os.read(fd, size - len(data))
            if not chunk:
                raise RuntimeError("the PDF helper process ended")
            data += chunk
        return data

    def ask(self, request: dict[str, Any], timeout: float) -> bytes:
        assert self.proc.stdin is not None
        body = json.dumps(request).encode()
        self.proc.stdin.write(_HEADER.pack(len(body)) + body)
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        size = _HEADER.unpack(self._read(_HEADER.size, deadline))[0]
        answer = self._read(size, deadline)
        if answer[:1] != b"\x00":
            raise RuntimeError(f"PDF rendering failed: {answer[1:].decode(errors='replace')}")
        return answer[1:]


_lock = threading.Lock()
_helper: _Helper | None = None


def render(
    html: str, root: Path, extra_files: Iterable[Path], css_file: Path, timeout: float
) -> bytes:
    """The PDF of ``html``, rendered by the helper process within ``timeout`` seconds, or
    :class:`RenderTimeout` (the helper is killed; the next render starts a new one)."""
    global _helper
    request = {
        "html": html,
        "root": str(root),
        "extra_files": [str(f) for f in extra_files],
        "css": str(css_file),
    }
    with _lock:
        if _helper is None or not _helper.alive():
            _helper = _Helper()
        try:
            return _helper.ask(request, timeout)
        except RenderTimeout:
            _helper.kill()
            _helper = None
            raise RenderTimeout(f"the PDF did not render within {timeout:g} s") from None
        except (OSError, RuntimeError):
            _helper.kill()
            _helper = None
            raise


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
