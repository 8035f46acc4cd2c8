"""Checks on a request body made before it is parsed or validated: size, nesting depth and
NUL characters (the JSON parser and the recursive checks after it are never handed a body
that could exhaust them)."""

from __future__ import annotations

from typing import Any

#: A JSON body larger than this is refused with 413 before it is read.
MAX_JSON_BYTES = 1024 * 1024
#: Objects and arrays nested deeper than this are refused with 422 before parsing (our bodies
#: nest three levels; deep nesting only costs the parser and the checks below).
MAX_JSON_DEPTH = 32


def json_depth(raw: bytes) -> int:
    """The deepest nesting of objects and arrays in ``raw``, brackets inside strings ignored
    (one pass, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return deepest


def has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
