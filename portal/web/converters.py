"""URL converters: ``<int:...>`` takes only what fits the database's INTEGER column.

A 20-digit id in a URL would otherwise reach the database as a number SQLite cannot bind
(``OverflowError``) and answer 500; past the bound the route simply does not match (404).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: The largest id: PostgreSQL's INTEGER, which is also what the SQLite rows hold here.
MAX_ID = 2_147_483_647


class BoundedIntConverter(IntegerConverter):
    """``<int:name>`` from 0 to :data:`MAX_ID` unless the rule gives its own ``max``."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    """Must run before any blueprint adds its rules."""
    app.url_map.converters["int"] = BoundedIntConverter
