"""One unit of work per HTML request (``portal/web/unit_of_work.py``): a view's changes are
committed once after it succeeds and rolled back on an exception, an error status or a domain
error shown on the form; actions registered with ``on_commit`` run only after a commit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask, abort
from sqlalchemy import select

from portal.extensions import db
from portal.models import CustomerGroup
from portal.services.errors import ValidationError
from portal.web import unit_of_work

ROOT = Path(__file__).resolve().parent.parent


def _group_names() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(CustomerGroup.name).order_by(CustomerGroup.name)))


@pytest.fixture
def run_view(app: Flask):
    """Runs ``view`` wrapped as the blueprints' views are, inside a request."""

    def run(view):
        wrapped = unit_of_work.unit_of_work(view)
        with app.test_request_context("/admin/x", method="POST"):
            try:
                return wrapped()
            except Exception as exc:
                return exc

    return run


def test_a_successful_view_is_committed_once(app, run_view):
    def view():
        db.session.add(CustomerGroup(name="Committed"))
        db.session.flush()
        return "ok"

    assert run_view(view).status_code == 200
    assert _group_names() == ["Committed"]


def test_an_exception_rolls_everything_back(app, run_view):
    def view():
        db.session.add(CustomerGroup(name="Lost"))
        db.session.flush()
        raise RuntimeError("boom")

    assert isinstance(run_view(view), RuntimeError)
    assert _group_names() == []


@pytest.mark.parametrize("status", [400, 404, 409, 422, 500])
def test_an_error_status_rolls_back(app, run_view, status):
    def view():
        db.session.add(CustomerGroup(name=f"Status {status}"))
        db.session.flush()
        return "refused", status

    assert run_view(view).status_code == status
    assert _group_names() == []


def test_abort_rolls_back(app, run_view):
    def view():
        db.session.add(CustomerGroup(name="Aborted"))
        db.session.flush()
        abort(403)

    run_view(view)
    assert _group_names() == []


def test_a_domain_error_shown_on_the_form_rolls_back_before_the_page(app, run_view):
    seen: list[list[str]] = []

    def view():
        db.session.add(CustomerGroup(name="Half done"))
        db.session.flush()
        unit_of_work.fail(ValidationError("No."))
        seen.append(list(db.session.scalars(select(CustomerGroup.name))))
        return "the form again", 200

    assert run_view(view).status_code == 200
    assert seen == [[]]  # the page rendered after the error reads the database as it was
    assert _group_names() == []


def test_on_commit_runs_only_after_a_commit(app, run_view):
    ran: list[str] = []

    def good():
        db.session.add(CustomerGroup(name="Good"))
        unit_of_work.on_commit(lambda: ran.append("good"))
        return "ok"

    def bad():
        unit_of_work.on_commit(lambda: ran.append("bad"))
        return "no", 422

    run_view(good)
    run_view(bad)
    assert ran == ["good"]


def test_every_html_view_runs_in_the_unit_of_work(app):
    views = {e: v for e, v in app.view_functions.items() if e.startswith(("admin.", "clients."))}
    assert views
    for endpoint, view in views.items():
        assert getattr(view, "__wrapped_by_unit_of_work__", False), endpoint


def test_no_view_module_commits_or_rolls_back():
    for folder in ("admin", "clients"):
        for path in (ROOT / "portal" / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
                    chain = ast.unparse(node)
                    assert "session" not in chain, f"{path.name}:{node.lineno}: {chain}"
