"""Keeps ``requirements.lock`` honest about ``pyproject.toml``.

``make lock`` compiles the lock with uv and then runs ``lockcheck.py --stamp``, which writes the
fingerprint of the dependency declarations (``requires-python``, ``dependencies``, the optional
extras and the build requirements) into the lock's header. ``make run``/``make test`` run
``lockcheck.py`` before installing anything: when the fingerprint no longer matches, or a
declared requirement is not pinned in the lock, it prints what is wrong and exits 1.

Standard library only: it runs with the system Python before ``.venv`` exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP_PREFIX = "# pyproject-sha256: "
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def fingerprint(pyproject: Path) -> str:
    """SHA-256 of the dependency declarations, insensitive to formatting and order."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data.get("project", {})
    declared = {
        "requires-python": project.get("requires-python", ""),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {
            extra: sorted(reqs) for extra, reqs in project.get("optional-dependencies", {}).items()
        },
        "build-system": sorted(data.get("build-system", {}).get("requires", [])),
    }
    return hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()


def declared_names(pyproject: Path) -> set[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {normalise(m.group(1)) for r in reqs if (m := NAME.match(r))}


def problems(pyproject: Path, lock: Path) -> list[str]:
    if not lock.exists():
        return [f"{lock.name} is missing: run `make lock`"]
    text = lock.read_text(encoding="utf-8")
    stamps = [line for line in text.splitlines() if line.startswith(STAMP_PREFIX)]
    stamped = stamps[0][len(STAMP_PREFIX) :].strip() if stamps else None
    found: list[str] = []
    if stamped != fingerprint(pyproject):
        found.append(
            f"{pyproject.name} changed since {lock.name} was made "
            "(its dependencies no longer match the lock): run `make lock` and commit both"
        )
    pinned = {normalise(name) for name, _ in PIN.findall(text)}
    unpinned = sorted(declared_names(pyproject) - pinned)
    if unpinned:
        found.append(f"{lock.name} pins no version of: {', '.join(unpinned)}: run `make lock`")
    if "--hash=sha256:" not in text:
        found.append(f"{lock.name} has no hashes: run `make lock`")
    return found


def stamp(pyproject: Path, lock: Path) -> None:
    """Writes the fingerprint line right after the lock's comment header."""
    lines = [
        line
        for line in lock.read_text(encoding="utf-8").splitlines()
        if not line.startswith(STAMP_PREFIX)
    ]
    header = 0
    while header < len(lines) and lines[header].startswith("#"):
        header += 1
    lines.insert(header, STAMP_PREFIX + fingerprint(pyproject))
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stamp", action="store_true", help="write the fingerprint (make lock)")
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    args = parser.parse_args(argv)
    if args.stamp:
        stamp(args.pyproject, args.lock)
        return 0
    found = problems(args.pyproject, args.lock)
    for problem in found:
        print(f"lock check: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
