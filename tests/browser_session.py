"""One Playwright and one chromium for the whole test session.

The ``browser`` fixture lives in ``tests/e2e/conftest.py``; packages with a browser test of
their own (``tests/api17``, ``tests/documents17``) import it into their conftest, which makes a
second session-scoped copy of the fixture. Two ``sync_playwright()`` at once in one thread fail
("Sync API inside the asyncio loop"), so every copy shares the one started here: the first user
starts it, the last one to finish stops it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state: dict[str, Any] = {"users": 0, "playwright": None, "browser": None}


@contextmanager
def shared_browser(executable: str, args: list[str]) -> Iterator[Any]:
    if _state["users"] == 0:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _state["playwright"] = playwright
        _state["browser"] = playwright.chromium.launch(
            executable_path=executable, args=args, headless=True
        )
    _state["users"] += 1
    try:
        yield _state["browser"]
    finally:
        _state["users"] -= 1
        if _state["users"] == 0:
            _state["browser"].close()
            _state["playwright"].stop()
            _state["browser"] = _state["playwright"] = None
