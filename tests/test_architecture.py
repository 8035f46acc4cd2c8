"""The architecture, checked on the source (docs/architecture.md has the picture).

Every module under ``portal/`` is parsed with :mod:`ast` (imports inside functions and
``TYPE_CHECKING`` blocks count too) and these imports must not exist:

* a blueprint (``portal.admin``, ``portal.clients``, ``portal.api``, ``portal.documents``)
  importing another one;
* a service (``portal.services``) using flask's ``request`` (``from flask import request`` or
  ``import flask`` and ``flask.request``) or importing the web layer or a blueprint;
* the web layer (``portal.web``) importing a blueprint;
* a model (``portal.models``) importing a service or the web layer;
* a private name (``_x``) imported from a module of another package.

And the sizes: no module over 400 lines, no function over 60 lines (the demo's bulk seeding
excepted). The checkers take the folder of the package, so the tests below also prove them on
a synthetic package with known violations.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[1] / "portal"

BLUEPRINTS = ("admin", "clients", "api", "payments", "documents")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_FUNCTIONS_ALLOWED = frozenset({"portal/services/platform/demo.py::seed_bulk"})


@dataclass(frozen=True, order=True)
class Violation:
    path: str  # relative to the folder holding the package, e.g. "portal/services/x.py"
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class _Module:
    path: Path
    relpath: str
    name: str  # dotted: "portal.services.billing.drafts"
    package: str  # the package the module belongs to: "portal.services.billing"


def _modules(root: Path) -> Iterator[_Module]:
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
            package = ".".join(parts)
        else:
            package = ".".join(parts[:-1])
        relpath = path.relative_to(root.parent).as_posix()
        yield _Module(path, relpath, ".".join(parts), package)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _area(name: str, top: str) -> str | None:
    """``"admin"``, ``"clients"``, ``"api"``, ``"services"``, ``"web"`` or ``"models"`` for a
    module of that part of the package, else ``None``."""
    for area in (*BLUEPRINTS, "services", "web", "models"):
        if _within(name, f"{top}.{area}"):
            return area
    return None


def _resolve(module: _Module, node: ast.ImportFrom) -> str:
    """The absolute name of the module an ``ImportFrom`` reads from (relative ones resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.package.split(".")
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imported(module: _Module, tree: ast.AST) -> Iterator[tuple[int, str, list[str]]]:
    """``(line, module read from, names)`` of every import; names are empty for ``import x``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, _resolve(module, node), [a.name for a in node.names]


def _forbidden(area: str | None, target: str, top: str) -> str | None:
    """Why ``area`` may not import ``target``, or ``None``."""
    to = _area(target, top)
    if area in BLUEPRINTS and to in BLUEPRINTS and to != area:
        return f"blueprint {top}.{area} imports blueprint {top}.{to}"
    if area == "services" and to in (*BLUEPRINTS, "web"):
        return f"service imports {top}.{to}"
    if area == "web" and to in BLUEPRINTS:
        return f"web layer imports blueprint {top}.{to}"
    if area == "models" and to in ("services", "web"):
        return f"model imports {top}.{to}"
    return None


def _flask_request_uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    flask_names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "flask"
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "flask":
            if any(alias.name == "request" for alias in node.names):
                yield node.lineno, "service imports flask.request (from flask import request)"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "request"
            and isinstance(node.value, ast.Name)
            and node.value.id in flask_names
        ):
            yield node.lineno, f"service uses flask.request ({node.value.id}.request)"


def _package_of(root: Path, name: str) -> str:
    """The package of module ``name``: itself when it is a package, else its parent."""
    is_package = (root.parent.joinpath(*name.split(".")) / "__init__.py").is_file()
    return name if is_package else name.rpartition(".")[0]


def _module_violations(module: _Module, tree: ast.AST, root: Path) -> Iterator[Violation]:
    top = root.name
    area = _area(module.name, top)
    for line, source, names in _imported(module, tree):
        # ``from portal import admin`` imports portal.admin: check the names as modules too.
        reasons = {_forbidden(area, source, top)}
        if not reasons - {None} and names:
            reasons = {_forbidden(area, f"{source}.{n}", top) for n in names}
        for reason in sorted(r for r in reasons if r):
            yield Violation(module.relpath, line, reason)
        if _within(source, top) and _package_of(root, source) != module.package:
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    yield Violation(
                        module.relpath,
                        line,
                        f"private name {name} imported from {source} into package {module.package}",
                    )
    if area == "services":
        for line, reason in _flask_request_uses(tree):
            yield Violation(module.relpath, line, reason)


def import_violations(root: Path) -> list[Violation]:
    """The forbidden imports in the package at ``root`` (its folder name is its import name)."""
    found: set[Violation] = set()
    for module in _modules(root):
        tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
        found.update(_module_violations(module, tree, root))
    return sorted(found)


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + node.name, node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def size_violations(
    root: Path,
    max_module: int = MAX_MODULE_LINES,
    max_function: int = MAX_FUNCTION_LINES,
    allowed: frozenset[str] = LONG_FUNCTIONS_ALLOWED,
) -> list[Violation]:
    """Modules over ``max_module`` lines and functions over ``max_function`` lines (from the
    ``def`` to the last line of the body) but those named in ``allowed`` (``path::qualname``)."""
    found = []
    for module in _modules(root):
        text = module.path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > max_module:
            found.append(Violation(module.relpath, 1, f"module of {lines} lines"))
        for qualname, node in _functions(ast.parse(text, filename=str(module.path))):
            length = node.end_lineno - node.lineno + 1  # type: ignore[attr-defined]
            if length > max_function and f"{module.relpath}::{qualname}" not in allowed:
                found.append(
                    Violation(
                        module.relpath,
                        node.lineno,  # type: ignore[attr-defined]
                        f"function {qualname} of {length} lines",
                    )
                )
    return sorted(found)


def _report(violations: list[Violation]) -> str:
    return "\n".join(str(v) for v in violations)


# -- the project ------------------------------------------------------------------------------


def test_no_forbidden_imports():
    violations = import_violations(PORTAL)
    assert not violations, "\n" + _report(violations)


def test_no_module_or_function_too_long():
    violations = size_violations(PORTAL)
    assert not violations, "\n" + _report(violations)


# -- the checkers catch what they should ------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root / "portal"


def test_import_checker_reports_each_violation_with_file_and_line(tmp_path):
    root = _write(
        tmp_path,
        {
            "portal/__init__.py": "from portal import admin, clients\n",
            "portal/admin/__init__.py": "",
            "portal/admin/views.py": "import os\n\nfrom portal.clients.views import page\n",
            "portal/admin/more.py": "from ..api import bp\nfrom portal import clients\n",
            "portal/clients/__init__.py": "",
            "portal/clients/views.py": "from . import helpers\nfrom .helpers import _secret\n",
            "portal/clients/helpers.py": "_secret = 1\n",
            "portal/api/__init__.py": "bp = None\n",
            "portal/services/__init__.py": "",
            "portal/services/billing/__init__.py": "",
            "portal/services/billing/totals.py": "def _round():\n    pass\n",
            "portal/services/billing/drafts.py": (
                "from .totals import _round\n"  # same package: allowed
                "from flask import current_app, request\n"
            ),
            "portal/services/mail.py": (
                "import flask\n"
                "\n"
                "def sender():\n"
                "    return flask.current_app.config, flask.request.host\n"
            ),
            "portal/services/aliased.py": "import flask as f\n\nx = f.request\n",
            "portal/services/pages.py": (
                "def link():\n    from portal.web.urls import url\n    from ..admin import bp\n"
            ),
            "portal/services/customers.py": "from portal.services.billing.totals import _round\n",
            "portal/web/__init__.py": "",
            "portal/web/hooks.py": "from portal.web import forms\nfrom portal.api import bp\n",
            "portal/web/forms.py": "",
            "portal/models/__init__.py": "from portal.services import mail\n",
            "portal/models/base.py": (
                "from ..web.forms import Form\nfrom portal.extensions import db\n"
            ),
        },
    )

    found = {(v.path, v.line): v.message for v in import_violations(root)}

    assert found == {
        ("portal/admin/views.py", 3): "blueprint portal.admin imports blueprint portal.clients",
        ("portal/admin/more.py", 1): "blueprint portal.admin imports blueprint portal.api",
        ("portal/admin/more.py", 2): "blueprint portal.admin imports blueprint portal.clients",
        ("portal/services/billing/drafts.py", 2): (
            "service imports flask.request (from flask import request)"
        ),
        ("portal/services/mail.py", 4): "service uses flask.request (flask.request)",
        ("portal/services/aliased.py", 3): "service uses flask.request (f.request)",
        ("portal/services/pages.py", 2): "service imports portal.web",
        ("portal/services/pages.py", 3): "service imports portal.admin",
        ("portal/services/customers.py", 1): (
            "private name _round imported from portal.services.billing.totals "
            "into package portal.services"
        ),
        ("portal/web/hooks.py", 2): "web layer imports blueprint portal.api",
        ("portal/models/__init__.py", 1): "model imports portal.services",
        ("portal/models/base.py", 1): "model imports portal.web",
    }
    assert str(Violation("portal/admin/views.py", 3, "x")) == "portal/admin/views.py:3: x"


def test_size_checker_reports_long_modules_and_functions(tmp_path):
    long_body = "".join(f"    x{i} = {i}\n" for i in range(60))
    root = _write(
        tmp_path,
        {
            "portal/__init__.py": "",
            "portal/big.py": "x = 1\n" * 401,
            "portal/ok.py": "x = 1\n" * 400,
            "portal/long.py": (
                f"def short():\n    pass\n\n\ndef too_long():\n{long_body}\n\n"
                f"class Form:\n    def method(self):\n{long_body.replace('    ', '        ')}"
            ),
            "portal/allowed.py": f"def seed():\n{long_body}",
            "portal/fits.py": f"def fits():\n{long_body[: -len('    x59 = 59') - 1]}",
        },
    )

    found = size_violations(root, allowed=frozenset({"portal/allowed.py::seed"}))

    assert [str(v) for v in found] == [
        "portal/big.py:1: module of 401 lines",
        "portal/long.py:5: function too_long of 61 lines",
        "portal/long.py:69: function Form.method of 61 lines",
    ]
