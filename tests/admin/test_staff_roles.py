"""Staff list, create, edit, deactivate; roles and the permission matrix."""

from __future__ import annotations

from portal.extensions import db
from portal.models import ADMINISTRATOR, OutboxEmail, Role, Staff
from portal.models.permissions import AREAS, CAPABILITIES
from tests.admin.conftest import reload


def _role(name="Support", perms=("tickets.view",)):
    role = Role(name=name)
    role.set_permissions(set(perms))
    db.session.add(role)
    db.session.commit()
    return role


def test_staff_list_pages(staff_client, make_staff, count_queries):
    client, _me = staff_client(["staff.view"])
    for _ in range(3):
        make_staff([])
    with count_queries() as few:
        body = client.get("/admin/staff").get_data(as_text=True)
    for _ in range(30):
        make_staff([])
    with count_queries() as many:
        page2 = client.get("/admin/staff?page=2")
    assert page2.status_code == 200
    assert many.count == few.count
    assert "Staff 1" in body
    assert 'rel="prev"' in page2.get_data(as_text=True)


def test_create_staff_queues_a_password_link(staff_client):
    client, _me = staff_client(["staff.view", "staff.create", "tickets.view"])
    role = _role()
    response = client.post(
        "/admin/staff/new",
        data={
            "name": "New Person",
            "email": "New@Example.com",
            "role_id": role.id,
            "language": "fi",
            "send_link": "y",
        },
    )
    assert response.status_code == 302
    member = db.session.scalar(db.select(Staff).where(Staff.email == "new@example.com"))
    assert member.role_id == role.id and member.language == "fi" and member.password_hash is None
    email = db.session.scalar(db.select(OutboxEmail))
    assert email.recipient == "new@example.com" and email.language == "fi"


def test_create_staff_bad_input_writes_nothing(staff_client, make_staff):
    client, _me = staff_client(["staff.create"])
    make_staff([], email="taken@example.com")
    role = _role()
    before = db.session.scalar(db.select(db.func.count(Staff.id)))
    response = client.post(
        "/admin/staff/new",
        data={"name": "X", "email": "taken@example.com", "role_id": role.id, "language": ""},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "A staff member with this email exists already." in body
    assert 'class="field-error" id="email-error"' in body
    bad = client.post(
        "/admin/staff/new", data={"name": "", "email": "nope", "role_id": 99999, "language": "xx"}
    )
    assert bad.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Staff.id))) == before


def test_edit_staff_role_and_language(staff_client, make_staff):
    client, _me = staff_client(["staff.view", "staff.edit", "tickets.view"])
    member = make_staff([])
    role = _role()
    response = client.post(
        f"/admin/staff/{member.id}",
        data={"name": "Renamed", "email": member.email, "role_id": role.id, "language": "nb"},
    )
    assert response.status_code == 302
    member = reload(member)
    assert (member.name, member.role_id, member.language) == ("Renamed", role.id, "nb")


def test_cannot_deactivate_yourself_or_demote_the_last_administrator(staff_client):
    client, me = staff_client(None)
    response = client.post(
        f"/admin/staff/{me.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "You cannot deactivate yourself." in response.get_data(as_text=True)
    assert reload(me).is_active
    role = _role()
    demote = client.post(
        f"/admin/staff/{me.id}",
        data={"name": me.name, "email": me.email, "role_id": role.id, "language": ""},
    )
    assert "The last active Administrator must keep the role." in demote.get_data(as_text=True)
    assert reload(me).role.name == ADMINISTRATOR


def test_reactivate(staff_client, make_staff):
    client, _me = staff_client(None)
    member = make_staff([])
    client.post(f"/admin/staff/{member.id}/active", data={"active": "0"})
    assert not reload(member).is_active
    client.post(f"/admin/staff/{member.id}/active", data={"active": "1"})
    assert reload(member).is_active


def test_matrix_has_a_checkbox_per_area_and_capability(staff_client):
    client, _me = staff_client(["staff.view", "staff.create"])
    body = client.get("/admin/roles/new").get_data(as_text=True)
    for area in AREAS:
        for cap in CAPABILITIES:
            assert f'value="{area}.{cap}"' in body


def test_create_and_update_a_role(staff_client):
    granted = ["invoices.view", "payments.create", "customers.view_own", "invoices.view_own"]
    client, _me = staff_client(["staff.view", "staff.create", "staff.edit", *granted])
    response = client.post(
        "/admin/roles/new",
        data={"name": "Accounting", "permissions": ["invoices.view", "payments.create"]},
    )
    assert response.status_code == 302
    role = db.session.scalar(db.select(Role).where(Role.name == "Accounting"))
    assert role.permissions == {"invoices.view", "payments.create"}
    client.post(
        f"/admin/roles/{role.id}",
        data={"name": "Accounting", "permissions": ["customers.view_own", "invoices.view_own"]},
    )
    db.session.expire_all()
    assert db.session.get(Role, role.id).permissions == {"customers.view_own", "invoices.view_own"}


def test_role_with_unknown_permission_or_duplicate_name_writes_nothing(staff_client):
    client, _me = staff_client(["staff.create"])
    _role("Sales")
    bad = client.post("/admin/roles/new", data={"name": "Other", "permissions": ["nope.view"]})
    assert bad.status_code == 200 and "Unknown permission." in bad.get_data(as_text=True)
    dup = client.post("/admin/roles/new", data={"name": "sales", "permissions": []})
    assert "A role with this name exists already." in dup.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Role.id))) == 2  # Sales + the test's own


def test_administrator_role_cannot_be_changed_or_removed(staff_client):
    client, me = staff_client(None)
    admin_role = reload(me).role
    page = client.get(f"/admin/roles/{admin_role.id}").get_data(as_text=True)
    assert "cannot be changed or removed" in page and "disabled" in page
    client.post(f"/admin/roles/{admin_role.id}", data={"name": "Renamed", "permissions": []})
    client.post(f"/admin/roles/{admin_role.id}/delete")
    db.session.expire_all()
    role = db.session.get(Role, admin_role.id)
    assert role.name == ADMINISTRATOR and reload(me).is_administrator


def test_role_in_use_cannot_be_deleted(staff_client, make_staff):
    client, _me = staff_client(["staff.view", "staff.delete"])
    member = make_staff(["tickets.view"])
    role_id = member.role_id
    response = client.post(f"/admin/roles/{role_id}/delete", follow_redirects=True)
    assert "This role is still given to staff members." in response.get_data(as_text=True)
    assert db.session.get(Role, role_id) is not None
    unused = _role("Unused")
    client.post(f"/admin/roles/{unused.id}/delete")
    db.session.expire_all()
    assert db.session.get(Role, unused.id) is None


def test_role_change_applies_at_the_next_request(staff_client, make_staff):
    client, me = staff_client(["staff.view"])
    assert client.get("/admin/roles").status_code == 200
    role = reload(me).role
    role.set_permissions(set())
    db.session.commit()
    assert client.get("/admin/roles").status_code == 403
