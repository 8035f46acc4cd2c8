"""Managing the other contacts of one's company (primary contact or ``company`` permission):
invite (welcome email), set permissions within one's own, deactivate and reactivate.

Inviting answers the same for an address another company's contact uses as for a new one
(nothing is sent then), and welcome emails are limited per typed address
(``PORTAL_WELCOME_LIMIT_RECIPIENT``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.clients import area_required, bp, current_contact
from portal.clients.forms import InviteForm, MemberActiveForm, MemberForm, set_permission_choices
from portal.services.access import contacts as portal_scope
from portal.services.errors import ValidationError
from portal.services.identity import contact_accounts as portal_accounts
from portal.web.forms import language_choices
from portal.web.limits import spend_welcome
from portal.web.unit_of_work import fail, show_errors


def _invite_form() -> InviteForm:
    form = InviteForm(prefix="invite")
    form.language.choices = language_choices(_("The company's language"))
    set_permission_choices(form.permissions, current_contact().permissions)
    if request.method == "GET":
        form.permissions.data = [
            p for p in ("invoices", "estimates", "tickets") if p in current_contact().permissions
        ]
    return form


@bp.get("/contacts")
@area_required("company")
def team() -> ResponseReturnValue:
    me = current_contact()
    return render_template(
        "clients/team/list.html", members=portal_accounts.team(me), form=_invite_form()
    )


@bp.post("/contacts")
@area_required("company")
def team_invite() -> ResponseReturnValue:
    me = current_contact()
    form = _invite_form()
    if form.validate_on_submit():
        # Counted per typed address, and the same answer whether or not the address can be
        # invited (see contact_accounts.invite): the form tells nothing of other companies.
        spend_welcome(form.email.data)
        try:
            portal_accounts.invite(me, form.data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            name = f"{(form.first_name.data or '').strip()} {(form.last_name.data or '').strip()}"
            flash(_("%(name)s has been invited by email.", name=name.strip()), "success")
            return redirect(url_for(".team"))
    members = portal_accounts.team(me)
    return render_template("clients/team/list.html", members=members, form=form), 422


@bp.route("/contacts/<int:id>", methods=["GET", "POST"])
@area_required("company")
def team_member(id: int) -> ResponseReturnValue:
    me = current_contact()
    member = portal_scope.team_member_or_404(id, me)
    form = MemberForm(data={"permissions": member.permissions})
    set_permission_choices(form.permissions, me.permissions)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                portal_accounts.set_member_permissions(me, member, form.permissions.data or [])
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                flash(
                    _("The permissions of %(name)s were saved.", name=member.full_name), "success"
                )
                return redirect(url_for(".team"))
    editable = member.id != me.id and not member.is_primary
    return render_template(
        "clients/team/member.html",
        member=member,
        form=form,
        active_form=MemberActiveForm(),
        editable=editable,
    ), status


@bp.post("/contacts/<int:id>/active")
@area_required("company")
def team_member_active(id: int) -> ResponseReturnValue:
    me = current_contact()
    member = portal_scope.team_member_or_404(id, me)
    form = MemberActiveForm()
    if form.validate_on_submit():
        try:
            portal_accounts.set_member_active(me, member, bool(form.active.data))
        except ValidationError as exc:
            fail(exc)
        else:
            message = (
                _("%(name)s can sign in again.", name=member.full_name)
                if member.is_active
                else _("%(name)s was deactivated and signed out.", name=member.full_name)
            )
            flash(message, "success")
    return redirect(url_for(".team_member", id=member.id))
