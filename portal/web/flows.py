"""The sign-in and own-account flows both HTML sides share, written once and parameterised by
:class:`~portal.web.audiences.Audience` (staff in the admin, contacts in the client portal).

Each blueprint keeps its own routes (URLs, endpoints, decorators such as the rate limits) and
calls these. They run inside the request's unit of work (:mod:`portal.web.unit_of_work`):
they never commit; a refused change is rolled back with :func:`show_errors`.

Signing in is two steps when the account has two-factor sign-in: the password step stores a
short-lived marker in the session (``Audience.pending_key``) and the code step completes it.
"""

from __future__ import annotations

import time

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from werkzeug.wrappers import Response

from portal.auth import current_session, end_session, renew_session, start_session
from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Contact, Staff, UserSession
from portal.models.base import utcnow
from portal.services.identity import accounts, passwords, sessions, twofactor
from portal.services.platform import settings
from portal.web.audiences import Audience
from portal.web.forms import (
    ConfirmPasswordForm,
    EmptyForm,
    EnableTwoFactorForm,
    LoginForm,
    PasswordChangeForm,
    ResetRequestForm,
    SetPasswordForm,
    TwoFactorForm,
    save_form,
)
from portal.web.limits import hold_answer
from portal.web.urls import safe_next

#: Seconds the second sign-in step may take after the password step.
PENDING_MAX_AGE = 300

Account = Staff | Contact


def _page(audience: Audience, name: str, **context: object) -> str:
    """One of the shared pages (``templates/shared/``) in the layout of ``audience``."""
    return render_template(
        f"shared/{name}.html", layout=audience.layout, side=audience.blueprint, **context
    )


# -- signing in and out ------------------------------------------------------------------------


def _finish_sign_in(audience: Audience, account: Account, next_url: str | None) -> Response:
    account.last_login_at = utcnow()
    start_session(account)
    return redirect(safe_next(next_url, audience.home) or url_for(audience.endpoint("index")))


def sign_in(audience: Audience) -> ResponseReturnValue:
    """The sign-in page: email and password, then the second step when the account has
    two-factor sign-in. A refused attempt is marked for the rate limits (``g.login_failed``)."""
    if audience.signed_in():
        return redirect(url_for(audience.endpoint("index")))
    form = LoginForm()
    if form.validate_on_submit():
        account = accounts.authenticate(
            audience.model, form.email.data or "", form.password.data or ""
        )
        if account is not None and account.totp_secret:
            session.clear()
            session[audience.pending_key] = {
                "id": account.id,
                "v": account.session_version,
                "at": int(time.time()),
                "next": safe_next(request.args.get("next"), audience.home),
            }
            return redirect(url_for(audience.endpoint("login_two_factor")))
        if account is not None:
            return _finish_sign_in(audience, account, request.args.get("next"))
        g.login_failed = True
        flash(_("Email or password is incorrect."), "error")
    elif request.method == "POST":
        g.login_failed = True
    return render_template(audience.template("login"), form=form, **audience.login_context())


def _pending_account(audience: Audience) -> Account | None:
    """The account whose password step passed moments ago, if it may still sign in."""
    pending = session.get(audience.pending_key)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    account = db.session.get(audience.model, pending.get("id"))
    if (
        account is None
        or not accounts.may_sign_in(account)
        or account.session_version != pending.get("v")
    ):
        return None
    return account


def sign_in_second_step(audience: Audience) -> ResponseReturnValue:
    """The code from the authenticator app (or a recovery code) after the password."""
    account = _pending_account(audience)
    if account is None or not account.totp_secret:
        session.pop(audience.pending_key, None)
        flash(_("Please sign in again."), "error")
        return redirect(url_for(audience.endpoint("login")))
    if audience.second_step_in_own_language:
        g.locale = locale_of(account)
        refresh()
    form = TwoFactorForm()
    if form.validate_on_submit():
        if twofactor.verify_second_factor(account, form.code.data or ""):
            next_url = session[audience.pending_key].get("next")
            if twofactor.remaining_recovery_codes(account) <= 2:
                flash(_("You have few recovery codes left; make new ones."), "error")
            return _finish_sign_in(audience, account, next_url)
        g.login_failed = True
        form.code.errors = [_("This code is not valid.")]
    elif request.method == "POST":
        g.login_failed = True
    return _page(audience, "login_two_factor", form=form)


def sign_out(audience: Audience) -> ResponseReturnValue:
    """Signs this browser out: its session ends, the account's other sessions go on."""
    form = EmptyForm()
    if form.validate_on_submit() and audience.signed_in():
        end_session()
        flash(_("You have been signed out."), "success")
    return redirect(url_for(audience.endpoint("login")))


# -- passwords ---------------------------------------------------------------------------------


def request_reset(audience: Audience) -> ResponseReturnValue:
    """Asks for a reset link; answers the same whether the address has an account or not, and
    no sooner (:func:`~portal.web.limits.hold_answer`)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        hold_answer()
        accounts.request_reset(audience.model, form.email.data or "")
        flash(
            _("If an account exists for this address, we have sent a link to reset the password."),
            "success",
        )
        return redirect(url_for(audience.endpoint("login")))
    return _page(audience, "reset_password", form=form, links_back=audience.reset_links_back)


def set_password(audience: Audience, token: str, purpose: str) -> ResponseReturnValue:
    """The page behind a welcome (``purpose="welcome"``) or reset link, in the account's own
    language; 410 when the link is forged, expired or used."""
    account = accounts.user_for_token(token, purpose, audience.model)
    if account is None or not accounts.may_sign_in(account):
        return render_template(audience.template("link_invalid")), 410
    g.locale = locale_of(account)  # the account's own language, before sign-in
    refresh()
    form = SetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(account, form.password.data or "")
        flash(_("Your password has been set. You can sign in now."), "success")
        return redirect(url_for(audience.endpoint("login")))
    status = audience.refused_status if request.method == "POST" else 200
    return _page(audience, "set_password", form=form, account=account), status


def change_password(
    audience: Audience, account: Account, form: PasswordChangeForm
) -> Response | None:
    """A submitted password change of the signed-in account: the redirect after the change, or
    ``None`` when it was refused (the errors are on ``form``). Every other session ends; this
    one goes on."""

    def change() -> None:
        current, new = form.current_password.data or "", form.password.data or ""
        accounts.change_password(account, current, new, keep=current_session())
        renew_session()  # this session goes on (with a new secret); every other one has ended

    return save_form(
        form,
        change,
        _("Your password has been changed. Other sessions were signed out."),
        audience.endpoint(audience.account_page),
    )


# -- two-factor sign-in of the signed-in account -----------------------------------------------


def _set_up_two_factor(
    audience: Audience, account: Account, form: EnableTwoFactorForm
) -> list[str] | None:
    """While two-factor sign-in is off: keeps the secret being set up in the session and turns
    it on when the submitted code matches; the new recovery codes, or ``None``."""
    secret = session.get(audience.setup_secret_key) or twofactor.new_secret()
    session[audience.setup_secret_key] = secret
    if request.form.get("action") != "enable" or not form.validate_on_submit():
        return None
    if not twofactor.verify_totp(secret, form.code.data or ""):
        form.code.errors = [_("This code is not valid.")]
        return None
    codes = twofactor.enable(account, secret, keep=current_session())
    session.pop(audience.setup_secret_key, None)
    renew_session()
    flash(_("Two-factor sign-in is on."), "success")
    return codes


def _change_two_factor(
    audience: Audience, account: Account, form: ConfirmPasswordForm, required: bool
) -> list[str] | Response | None:
    """While two-factor sign-in is on: turns it off or makes new recovery codes, after the
    current password. The redirect after turning off, the new codes, or ``None``."""
    action = request.form.get("action")
    if action not in ("disable", "regenerate") or not form.validate_on_submit():
        return None
    if not passwords.verify(account.password_hash, form.current_password.data or ""):
        form.current_password.errors = [_("The current password is not correct.")]
        return None
    if action == "regenerate":
        codes = twofactor.regenerate_recovery_codes(account, keep=current_session())
        renew_session()
        flash(_("New recovery codes were made; the old ones no longer work."), "success")
        return codes
    if required:
        flash(_("Two-factor sign-in is required for all staff."), "error")
        return None
    twofactor.disable(account, keep=current_session())
    renew_session()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for(audience.endpoint("two_factor")))


def two_factor_settings(audience: Audience, account: Account) -> ResponseReturnValue:
    """The page that turns two-factor sign-in on and off and makes new recovery codes."""
    enable_form = EnableTwoFactorForm(prefix="enable")
    confirm_form = ConfirmPasswordForm(prefix="confirm")
    required = audience.two_factor_required()
    if account.totp_secret is None:
        codes = _set_up_two_factor(audience, account, enable_form)
    else:
        outcome = _change_two_factor(audience, account, confirm_form, required)
        if isinstance(outcome, Response):
            return outcome
        codes = outcome
    secret = None if account.totp_secret else session.get(audience.setup_secret_key)
    issuer = settings.get("company_name") or twofactor.ISSUER
    return _page(
        audience,
        "two_factor",
        account=account,
        back_url=url_for(audience.endpoint(audience.account_page)),
        back_label=audience.account_title,
        enable_form=enable_form,
        confirm_form=confirm_form,
        codes=codes,
        secret=secret,
        uri=twofactor.provisioning_uri(secret, account.email, issuer) if secret else None,
        remaining=twofactor.remaining_recovery_codes(account) if account.totp_secret else 0,
        required=required,
    )


# -- the signed-in account's sessions (one per browser) ----------------------------------------


def session_rows(account: Account) -> list[tuple[UserSession, sessions.Device, bool]]:
    """The account's active sessions for its sessions page: each with its browser and system
    and whether it is this browser's."""
    current = current_session()
    return [
        (
            record,
            sessions.parse_device(record.user_agent),
            current is not None and current.id == record.id,
        )
        for record in sessions.list_active(account)
    ]


def end_own_session(audience: Audience, account: Account, session_id: int) -> Response:
    """Ends one of the account's own active sessions ("sign out this one"; another account's,
    or an ended one, is 404). Ending this browser's own session signs it out."""
    record = sessions.get_active(account, session_id)
    if record is None:
        abort(404)
    page = url_for(audience.endpoint("account_sessions"))
    if not EmptyForm().validate_on_submit():
        return redirect(page)
    current = current_session()
    if current is not None and current.id == record.id:
        end_session()
        flash(_("You have been signed out."), "success")
        return redirect(url_for(audience.endpoint("login")))
    sessions.end(record)
    flash(_("The session was signed out."), "success")
    return redirect(page)


def end_other_sessions(audience: Audience, account: Account) -> Response:
    """Ends every session of the account but this browser's ("sign out all others")."""
    if EmptyForm().validate_on_submit():
        sessions.end_all(account, except_record=current_session())
        flash(_("All other sessions were signed out."), "success")
    return redirect(url_for(audience.endpoint("account_sessions")))
