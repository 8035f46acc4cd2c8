"""One unit of work per request for the HTML blueprints, as the API has in ``api/core.py``.

A view calls services, which add and flush but never commit. When the view returns a response
below 400 the transaction is committed once, after the view; when it raises, returns an error
status, or a domain error was shown to the user (:func:`fail`), the transaction is rolled back
once. Views never call ``commit()`` or ``rollback()`` themselves.

Usage in a view::

    try:
        customers.update_customer(customer, form.service_data())
    except DomainError as exc:
        show_errors(form, exc)  # rolls back, then the form is shown again with the errors
    else:
        flash(_("Saved."), "success")
        return redirect(...)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, flash, g
from flask_wtf import FlaskForm

from portal.extensions import db
from portal.services.errors import DomainError


def fail(exc: DomainError | None = None) -> None:
    """Ends the unit of work without its changes: rolls back now (so the page shown next
    reads the database as it was) and makes sure nothing is committed after the view.
    With ``exc``, its message is flashed."""
    db.session.rollback()
    g._unit_of_work_failed = True
    if exc is not None:
        flash(exc.message, "error")


def show_errors(form: FlaskForm, exc: DomainError) -> None:
    """Ends the unit of work without its changes (:func:`fail`) and puts the service's field
    errors next to the form's fields; an error for a field the form lacks is flashed."""
    fail()
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*list(field.errors or []), message]
    if not exc.fields:
        flash(exc.message, "error")


def on_commit(action: Callable[[], None]) -> None:
    """Runs ``action`` right after the request's changes were committed, and never when they
    are rolled back: for what must happen only with the changes stored (a marker in the
    session, removing the file an import was read from)."""
    g.setdefault("_unit_of_work_on_commit", []).append(action)


def _finish(response: Any) -> Any:
    response = current_app.make_response(response)
    actions = g.pop("_unit_of_work_on_commit", [])
    if response.status_code < 400 and not g.pop("_unit_of_work_failed", False):
        db.session.commit()
        for action in actions:
            action()
    else:
        db.session.rollback()
    return response


def unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps one view: commit once after it succeeds, roll back once on any exception."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.pop("_unit_of_work_failed", None)
        g.pop("_unit_of_work_on_commit", None)
        try:
            response = view(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        return _finish(response)

    wrapper.__wrapped_by_unit_of_work__ = True  # type: ignore[attr-defined]
    return wrapper


def register(app: Flask, blueprints: Iterable[str]) -> None:
    """Wraps every view of the named blueprints (after they were registered)."""
    prefixes = tuple(f"{name}." for name in blueprints)
    for endpoint, view in list(app.view_functions.items()):
        wrapped = getattr(view, "__wrapped_by_unit_of_work__", False)
        if endpoint.startswith(prefixes) and not wrapped:
            app.view_functions[endpoint] = unit_of_work(view)
