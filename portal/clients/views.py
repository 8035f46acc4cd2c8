"""Portal sign-in, set password (welcome link), password reset, dashboard."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from portal.clients import bp
from portal.extensions import db
from portal.forms import EmptyForm, LoginForm, ResetRequestForm, SetPasswordForm
from portal.i18n import locale_of
from portal.models import Contact
from portal.models.base import utcnow
from portal.services import accounts
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


def _password_page(purpose: str, token: str) -> ResponseReturnValue:
    contact = accounts.user_for_token(token, purpose, Contact)
    if contact is None:
        return render_template("clients/link_invalid.html"), 410
    g.locale = locale_of(contact)  # the contact's own language, before sign-in
    refresh()
    form = SetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(contact, form.password.data or "")
        db.session.commit()
        flash(_("Your password has been set. You can sign in now."), "success")
        return redirect(url_for(".login"))
    return render_template("clients/set_password.html", form=form, contact=contact)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    return _password_page("welcome", token)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_reset(Contact, form.email.data or "")
        db.session.commit()
        flash(
            _("If an account exists for this address, we have sent a link to reset the password."),
            "success",
        )
        return redirect(url_for(".login"))
    return render_template("clients/reset_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_token(token: str) -> ResponseReturnValue:
    return _password_page("reset", token)


@bp.get("/")
def index() -> ResponseReturnValue:
    if current_user.kind != "contact":
        abort(404)
    return render_template("clients/dashboard.html")
