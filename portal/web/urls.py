"""Safe redirects: ``?next=`` is followed only when it is a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, prefix: str) -> str | None:
    """``target`` when it is a relative path under ``prefix`` (e.g. ``/admin/``), else ``None``.

    Refuses schemes, hosts, protocol-relative ``//host``, backslashes (``/\\host``), control
    characters and percent-encoded forms of any of these."""
    if not target:
        return None
    decoded = target
    for _ in range(3):  # undo nested encodings such as %252F
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        if "\\" in candidate or any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc or candidate.startswith("//"):
            return None
    if not target.startswith(prefix):
        return None
    return target
