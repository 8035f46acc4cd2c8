"""Staff sign-in (password, then the second factor when set up), sign-out and password reset.

Failed sign-ins are rate limited per account and per address (Flask-Limiter; only failures
count). Limits come from ``PORTAL_LOGIN_LIMIT_ACCOUNT`` / ``PORTAL_LOGIN_LIMIT_ADDRESS``.
"""

from __future__ import annotations

import time

from flask import flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.admin import bp
from portal.auth import end_session, is_staff, staff_required, start_session
from portal.extensions import db, limiter
from portal.i18n import locale_of
from portal.models import Staff
from portal.models.base import utcnow
from portal.services.identity import accounts, twofactor
from portal.web.forms import (
    EmptyForm,
    LoginForm,
    ResetRequestForm,
    SetPasswordForm,
    TwoFactorForm,
)
from portal.web.login_limits import address_limit, login_limited
from portal.web.urls import safe_next

PENDING = "admin_2fa_pending"
PENDING_MAX_AGE = 300
_limited = login_limited("admin", PENDING)


def _finish_login(staff: Staff, next_url: str | None) -> Response:
    staff.last_login_at = utcnow()
    db.session.commit()
    start_session(staff)
    return redirect(safe_next(next_url, "/admin/") or url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
@_limited
def login() -> ResponseReturnValue:
    if is_staff():
        return redirect(url_for(".index"))
    form = LoginForm()
    if form.validate_on_submit():
        staff = accounts.authenticate(Staff, form.email.data or "", form.password.data or "")
        db.session.commit()  # a rehash on success, nothing otherwise
        if staff is not None and staff.totp_secret:
            session.clear()
            session[PENDING] = {
                "id": staff.id,
                "v": staff.session_version,
                "at": int(time.time()),
                "next": safe_next(request.args.get("next"), "/admin/"),
            }
            return redirect(url_for(".login_two_factor"))
        if staff is not None:
            return _finish_login(staff, request.args.get("next"))
        g.login_failed = True
        flash(_("Email or password is incorrect."), "error")
    elif request.method == "POST":
        g.login_failed = True
    return render_template("admin/login.html", form=form)


def _pending_staff() -> Staff | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    staff = db.session.get(Staff, pending.get("id"))
    if staff is None or not staff.is_active or staff.session_version != pending.get("v"):
        return None
    return staff


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_limited
def login_two_factor() -> ResponseReturnValue:
    staff = _pending_staff()
    if staff is None or not staff.totp_secret:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "error")
        return redirect(url_for(".login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if twofactor.verify_second_factor(staff, form.code.data or ""):
            next_url = session[PENDING].get("next")
            if twofactor.remaining_recovery_codes(staff) <= 2:
                flash(_("You have few recovery codes left; make new ones."), "error")
            return _finish_login(staff, next_url)
        g.login_failed = True
        form.code.errors = [_("This code is not valid.")]
    elif request.method == "POST":
        g.login_failed = True
    return render_template("admin/login_two_factor.html", form=form)


@bp.post("/logout")
@staff_required
def logout() -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate_on_submit():
        end_session(current_user._get_current_object())
        db.session.commit()
        flash(_("You have been signed out."), "success")
    return redirect(url_for(".login"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"], scope="admin-reset-address")
def reset_password() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_reset(Staff, form.email.data or "")
        db.session.commit()
        flash(
            _("If an account exists for this address, we have sent a link to reset the password."),
            "success",
        )
        return redirect(url_for(".login"))
    return render_template("admin/reset_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_token(token: str) -> ResponseReturnValue:
    staff = accounts.user_for_token(token, "reset", Staff)
    if staff is None:
        return render_template("admin/link_invalid.html"), 410
    g.locale = locale_of(staff)
    refresh()
    form = SetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(staff, form.password.data or "")
        db.session.commit()
        flash(_("Your password has been set. You can sign in now."), "success")
        return redirect(url_for(".login"))
    return render_template("admin/set_password.html", form=form, staff=staff)
