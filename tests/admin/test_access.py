"""Who must NOT see each admin page. Generated from ``app.url_map``, so every admin page added
later is covered too: the anonymous visitor and a signed-in contact are sent to the staff
login; a staff member lacking the view's permission gets 403; one holding it, and the
Administrator, get past the check. Every admin view must carry a permission decorator."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.admin import PUBLIC_ENDPOINTS
from portal.models.permissions import ALL_PERMISSIONS


def _admin_routes() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(endpoint, method, path with ids filled in, permissions) for every protected route."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "x",
            "RATELIMIT_ENABLED": False,
        }
    )
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "permission"):
            perms: tuple[tuple[str, ...], ...] = (("<missing>",),)
        else:
            perms = tuple(tuple(group) for group in view.permission_groups)
        path = re.sub(r"<(?:\w+:)?\w+>", "999999", rule.rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.append((rule.endpoint, method, path, perms))
    return routes


ROUTES = _admin_routes()
PROTECTED = [r for r in ROUTES if r[3]]
IDS = [f"{m} {p}" for _e, m, p, _perms in PROTECTED]


def _request(client, method, path):
    return client.get(path) if method == "GET" else client.post(path, data={})


def test_every_admin_view_is_decorated():
    """No view relies on the blueprint guard alone: each has ``permission_required`` or
    ``staff_required`` (``.permission == ()``), or is a public sign-in page."""
    for endpoint, _method, _path, perms in ROUTES:
        assert ("<missing>",) not in perms, f"{endpoint} has no permission decorator"
        assert {p for group in perms for p in group} <= ALL_PERMISSIONS


@pytest.mark.parametrize(("endpoint", "method", "path", "perms"), ROUTES)
def test_anonymous_is_sent_to_the_login(client, endpoint, method, path, perms):
    response = _request(client, method, path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_a_signed_in_contact_is_not_staff(client, make_contact, login_contact):
    login_contact(make_contact())
    for _endpoint, method, path, _perms in ROUTES:
        response = _request(client, method, path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login"), path


@pytest.mark.parametrize(("endpoint", "method", "path", "perms"), PROTECTED, ids=IDS)
def test_staff_without_the_permission_gets_403(staff_client, endpoint, method, path, perms):
    for group in perms:  # lacking any one of the required (stacked) permissions is enough
        client, _member = staff_client(sorted(ALL_PERMISSIONS - set(group)))
        response = _request(client, method, path)
        assert response.status_code == 403, group
        body = response.get_data(as_text=True)
        assert "Not allowed" in body
        assert "Traceback" not in body and endpoint not in body


@pytest.mark.parametrize(("endpoint", "method", "path", "perms"), PROTECTED, ids=IDS)
def test_each_listed_permission_admits(staff_client, endpoint, method, path, perms):
    for i, group in enumerate(perms):
        for perm in group:  # each alternative of a group, with one of every other group
            granted = {perm} | {other[0] for j, other in enumerate(perms) if j != i}
            client, _member = staff_client(sorted(granted))
            assert _request(client, method, path).status_code != 403, granted


@pytest.mark.parametrize(("endpoint", "method", "path", "perms"), PROTECTED, ids=IDS)
def test_the_administrator_passes_every_check(staff_client, endpoint, method, path, perms):
    client, _member = staff_client(None)
    assert _request(client, method, path).status_code != 403


def test_pages_every_staff_member_may_open(staff_client):
    client, _member = staff_client([])
    for path in ("/admin/", "/admin/account", "/admin/account/two-factor"):
        assert client.get(path).status_code == 200, path


def test_navigation_shows_only_permitted_areas(staff_client):
    client, _member = staff_client(["settings.view"])
    body = client.get("/admin/").get_data(as_text=True)
    assert "/admin/settings" in body
    assert "/admin/outbox" in body
    assert "/admin/staff" not in body
    assert "/admin/roles" not in body
    assert "/admin/customer-admins" not in body
