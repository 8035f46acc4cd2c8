"""Portal sign-in and dashboard."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.clients import bp
from portal.extensions import db
from portal.forms import EmptyForm, LoginForm
from portal.models.base import utcnow
from portal.services.portal_auth import authenticate_contact
from portal.urls import safe_next


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        contact = authenticate_contact(form.email.data or "", form.password.data or "")
        if contact is not None:
            contact.last_login_at = utcnow()
            db.session.commit()
            login_user(contact)
            return redirect(safe_next(request.args.get("next"), "/clients/") or url_for(".index"))
        db.session.commit()
        flash(_("Email or password is incorrect."), "error")
    return render_template("clients/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate_on_submit():
        current_user.session_version += 1
        db.session.commit()
        logout_user()
    return redirect(url_for(".login"))


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("clients/dashboard.html")
