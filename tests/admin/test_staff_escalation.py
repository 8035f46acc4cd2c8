"""Issue 24 item 1: nobody gives roles or permissions beyond their own, nobody changes their
own role, and only an Administrator manages Administrators. Refusals answer 403 and write
nothing (not even an audit row)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.cli import staff_create
from portal.extensions import db
from portal.models import ADMINISTRATOR, AuditLog, Role, Staff
from portal.models.permissions import ALL_PERMISSIONS
from portal.services.errors import DomainError
from portal.services.identity import staff as staff_service
from portal.services.platform.audit import acting_as, actor_for
from tests.admin.conftest import reload

STAFF_ALL = ["staff.view", "staff.create", "staff.edit", "staff.delete"]


def _role(name, perms):
    role = Role(name=name)
    role.set_permissions(set(perms))
    db.session.add(role)
    db.session.commit()
    return role


def _admin_role_id(make_staff):
    return make_staff(None).role_id  # an Administrator exists, and so does the role


def _audit_rows() -> int:
    return db.session.scalar(select(func.count(AuditLog.id)))


def _edit(client, member, role_id, name=None):
    data = {"name": name or member.name, "email": member.email, "role_id": role_id}
    return client.post(f"/admin/staff/{member.id}", data={**data, "language": ""})


def _still_locked_out(client):
    assert client.get("/admin/settings").status_code == 403
    assert client.get("/admin/api-tokens").status_code == 403


def test_member_cannot_make_itself_administrator(staff_client, make_staff):
    admin_role_id = _admin_role_id(make_staff)
    client, me = staff_client(["staff.view", "staff.edit"])
    before = _audit_rows()
    response = _edit(client, me, admin_role_id, name="Me, the boss")
    assert response.status_code == 403
    assert "You cannot change your own role." in response.get_data(as_text=True)
    me = reload(me)
    assert not me.is_administrator and me.name != "Me, the boss"
    assert _audit_rows() == before
    _still_locked_out(client)


def test_member_cannot_add_settings_or_api_to_its_own_role(staff_client):
    client, me = staff_client(["staff.view", "staff.edit"])
    role = reload(me).role
    wanted = ["staff.view", "staff.edit", "settings.view", "settings.edit", "api.view"]
    before = _audit_rows()
    response = client.post(
        f"/admin/roles/{role.id}", data={"name": "Boss", "permissions": [*wanted, "api.create"]}
    )
    assert response.status_code == 403
    role = db.session.get(Role, reload(me).role_id)
    assert role.permissions == {"staff.view", "staff.edit"} and role.name != "Boss"
    assert _audit_rows() == before
    _still_locked_out(client)


def test_nobody_changes_their_own_role(staff_client, make_staff):
    make_staff(None)  # another Administrator: the last-Administrator rule is not what refuses
    lesser = _role("Lesser", ["staff.view"])
    client, me = staff_client(STAFF_ALL)
    assert _edit(client, me, lesser.id).status_code == 403
    assert reload(me).role.permissions == set(STAFF_ALL)
    admin_client, admin = staff_client(None)
    assert _edit(admin_client, admin, lesser.id).status_code == 403
    assert reload(admin).is_administrator


def test_editing_oneself_keeps_the_role(staff_client):
    client, me = staff_client(["staff.view", "staff.edit"])
    response = _edit(client, me, me.role_id, name="New Name")
    assert response.status_code == 302
    me = reload(me)
    assert me.name == "New Name" and me.role.permissions == {"staff.view", "staff.edit"}


def test_without_settings_no_role_with_settings(staff_client, make_staff):
    client, _me = staff_client(STAFF_ALL)
    roles_before = db.session.scalar(select(func.count(Role.id)))
    response = client.post(
        "/admin/roles/new", data={"name": "Settings", "permissions": ["settings.view"]}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Role.id))) == roles_before
    settings_role = _role("Settings", ["settings.view"])
    staff_before = db.session.scalar(select(func.count(Staff.id)))
    create = client.post(
        "/admin/staff/new",
        data={
            "name": "Alt",
            "email": "alt@example.com",
            "role_id": settings_role.id,
            "language": "",
        },
    )
    assert create.status_code == 403
    assert db.session.scalar(select(func.count(Staff.id))) == staff_before
    member = make_staff([])
    assert _edit(client, member, settings_role.id).status_code == 403
    assert reload(member).role_id != settings_role.id


def test_roles_and_members_within_own_rights_are_fine(staff_client, make_staff):
    client, _me = staff_client(STAFF_ALL)
    response = client.post(
        "/admin/roles/new", data={"name": "Viewer", "permissions": ["staff.view"]}
    )
    assert response.status_code == 302
    viewer = db.session.scalar(select(Role).where(Role.name == "Viewer"))
    member = make_staff([])
    assert _edit(client, member, viewer.id).status_code == 302
    assert reload(member).role_id == viewer.id


def test_members_and_roles_with_more_rights_are_out_of_reach(staff_client, make_staff):
    client, _me = staff_client(STAFF_ALL)
    member = make_staff(["invoices.view"])
    assert _edit(client, member, member.role_id, name="Renamed").status_code == 403
    active = client.post(f"/admin/staff/{member.id}/active", data={"active": "0"})
    assert active.status_code == 403
    member = reload(member)
    assert member.name != "Renamed" and member.is_active
    role = member.role
    update = client.post(f"/admin/roles/{role.id}", data={"name": "Mine", "permissions": []})
    assert update.status_code == 403
    assert reload(role).permissions == {"invoices.view"}


def test_non_administrator_cannot_touch_an_administrator(staff_client, make_staff):
    admin = make_staff(None)
    client, _me = staff_client(sorted(ALL_PERMISSIONS))  # every permission, yet no Administrator
    member = make_staff([])
    before = _audit_rows()
    assert _edit(client, admin, admin.role_id, name="Demoted").status_code == 403
    active = client.post(f"/admin/staff/{admin.id}/active", data={"active": "0"})
    assert active.status_code == 403
    new = client.post(
        "/admin/staff/new",
        data={
            "name": "Second",
            "email": "second@example.com",
            "role_id": admin.role_id,
            "language": "",
        },
    )
    assert new.status_code == 403
    assert _edit(client, member, admin.role_id).status_code == 403
    admin = reload(admin)
    assert admin.is_active and admin.name != "Demoted"
    assert not reload(member).is_administrator
    assert db.session.scalar(select(Staff.id).where(Staff.email == "second@example.com")) is None
    assert _audit_rows() == before


def test_administrator_still_can_do_all_of_it(staff_client, make_staff):
    client, _me = staff_client(None)
    other_admin = make_staff(None)
    member = make_staff([])
    response = client.post(
        "/admin/roles/new",
        data={"name": "Ops", "permissions": ["settings.view", "settings.edit", "api.view"]},
    )
    assert response.status_code == 302
    ops = db.session.scalar(select(Role).where(Role.name == "Ops"))
    assert _edit(client, member, ops.id).status_code == 302
    assert _edit(client, member, other_admin.role_id).status_code == 302
    assert reload(member).is_administrator
    assert _edit(client, other_admin, other_admin.role_id, name="Renamed").status_code == 302
    active = client.post(f"/admin/staff/{other_admin.id}/active", data={"active": "0"})
    assert active.status_code == 302
    created = client.post(
        "/admin/staff/new",
        data={
            "name": "Third",
            "email": "third@example.com",
            "role_id": other_admin.role_id,
            "language": "",
        },
    )
    assert created.status_code == 302
    third = db.session.scalar(select(Staff).where(Staff.email == "third@example.com"))
    assert third.is_administrator
    other_admin = reload(other_admin)
    assert other_admin.name == "Renamed" and not other_admin.is_active


def test_the_form_offers_only_roles_one_may_give(staff_client, make_staff):
    admin_role_id = _admin_role_id(make_staff)
    client, me = staff_client(STAFF_ALL)
    new = client.get("/admin/staff/new").get_data(as_text=True)
    assert f'<option disabled value="{admin_role_id}">' in new
    assert f'<option value="{me.role_id}">' in new
    own = client.get(f"/admin/staff/{me.id}").get_data(as_text=True)
    assert f'<option selected value="{me.role_id}">' in own


def test_the_service_refuses_whatever_the_edge(make_staff):
    me = make_staff(STAFF_ALL)
    admin_role = db.session.scalar(select(Role).where(Role.name == ADMINISTRATOR))
    admin_role = admin_role or reload(make_staff(None)).role
    with acting_as(actor_for(me)):
        with pytest.raises(DomainError) as refused:
            staff_service.create_role({"name": "Wide"}, ["settings.view"])
        assert refused.value.status == 403 and refused.value.message
        with pytest.raises(DomainError) as refused:
            staff_service.create_staff({"email": "x@example.com", "name": "X"}, admin_role, None)
        assert refused.value.status == 403
    db.session.rollback()


def test_the_cli_still_creates_an_administrator(app, make_staff):
    make_staff(STAFF_ALL)
    result = app.test_cli_runner().invoke(
        staff_create,
        [
            *("--email", "op@example.com", "--name", "Op", "--role", ADMINISTRATOR),
            *("--password", "a long enough password"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Staff).where(Staff.email == "op@example.com")).is_administrator
