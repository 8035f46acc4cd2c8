"""Who must NOT see each portal page. Generated from ``app.url_map``: every portal view carries
``@area_required`` or ``@contact_required`` (or is a public sign-in page); the anonymous visitor
and a staff session are sent to the portal login; a contact without an area's permission gets
403 and no link to it; the portal session is never accepted under ``/admin``."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.clients import PUBLIC_ENDPOINTS
from portal.models import CONTACT_PERMISSIONS

#: What a contact without the area gets, per endpoint (403; 404 for the Documents area).
REFUSALS: dict[str, int] = {}


def _routes() -> list[tuple[str, str, str, tuple[str, ...]]]:
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
        if not rule.endpoint.startswith("clients.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        areas = tuple(getattr(view, "area", ("<missing>",)))
        REFUSALS[rule.endpoint] = getattr(view, "refusal", 403)
        path = re.sub(r"<(?:\w+:)?\w+>", "999999", rule.rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.append((rule.endpoint, method, path, areas))
    return routes


ROUTES = _routes()
AREA_ROUTES = [r for r in ROUTES if r[3]]
IDS = [f"{m} {p}" for _e, m, p, _a in ROUTES]
AREA_IDS = [f"{m} {p}" for _e, m, p, _a in AREA_ROUTES]


def _call(client, method, path):
    return client.get(path) if method == "GET" else client.post(path, data={})


def test_every_portal_view_is_decorated():
    for endpoint, _method, _path, areas in ROUTES:
        assert "<missing>" not in areas, f"{endpoint} has no area_required/contact_required"
        assert set(areas) <= set(CONTACT_PERMISSIONS)


@pytest.mark.parametrize(("endpoint", "method", "path", "areas"), ROUTES, ids=IDS)
def test_anonymous_is_sent_to_the_portal_login(client, endpoint, method, path, areas):
    response = _call(client, method, path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/clients/login")


def test_a_staff_session_is_not_a_contact_session(client, login_staff):
    login_staff()
    for _endpoint, method, path, _areas in ROUTES:
        response = _call(client, method, path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/clients/login"), path


def test_a_portal_session_is_never_accepted_under_admin(client, make_contact, login_contact):
    login_contact(make_contact())
    for path in ("/admin/", "/admin/account", "/admin/staff", "/admin/settings"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login")


@pytest.mark.parametrize(("endpoint", "method", "path", "areas"), AREA_ROUTES, ids=AREA_IDS)
def test_contact_without_the_permission_gets_403(
    make_contact, contact_client, endpoint, method, path, areas
):
    customer_owner = make_contact()  # the primary contact has everything
    others = sorted(set(CONTACT_PERMISSIONS) - set(areas))
    limited = make_contact(customer_owner.customer, permissions=others)
    client = contact_client(limited)
    response = _call(client, method, path)
    assert response.status_code == REFUSALS[endpoint] == (404 if areas == ("documents",) else 403)
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and endpoint not in body


@pytest.mark.parametrize("area", ["invoices", "estimates", "tickets", "company", "documents"])
def test_navigation_shows_only_permitted_areas(make_contact, contact_client, area):
    owner = make_contact()
    limited = make_contact(owner.customer, permissions=[area])
    page = contact_client(limited).get("/clients/").get_data(as_text=True)
    links = {
        "invoices": 'href="/clients/invoices"',
        "estimates": 'href="/clients/estimates"',
        "tickets": 'href="/clients/tickets"',
        "company": 'href="/clients/company"',
        "documents": 'href="/clients/documents"',
    }
    for name, link in links.items():
        assert (link in page) == (name == area), name


def test_inactive_contact_and_inactive_customer_are_refused(
    app, make_contact, contact_client, write
):
    from portal.extensions import db
    from portal.services import customers

    contact = make_contact()
    client = contact_client(contact)
    write()
    contact.is_active = False
    db.session.commit()
    assert client.get("/clients/").status_code == 302  # the old session ended
    response = app.test_client().post(
        "/clients/login", data={"email": contact.email, "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert "Email or password is incorrect." in response.get_data(as_text=True)

    other = make_contact()
    client = contact_client(other)
    write()
    customers.set_active(other.customer, False)
    db.session.commit()
    assert client.get("/clients/").status_code == 302
    response = app.test_client().post(
        "/clients/login", data={"email": other.email, "password": "correct horse battery"}
    )
    assert response.status_code == 200
