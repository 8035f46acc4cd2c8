"""Isolation between customers. Generated from ``app.url_map``: every ``/clients/`` URL with an
``<int:...>`` argument (so pages added later are covered automatically), filled with the other
customer's ids, answers 404 - never 403, which would reveal that the record exists. The fixed
list pages show nothing of the other customer, and a contact without the ``invoices``
permission reaches no invoice at all."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from portal.services.identity import sessions
from tests.clients.conftest import Side, World

#: Which record kind an ``<int:...>`` argument names, from the path segment before it.
KINDS = {
    "invoices": "invoice",
    "estimates": "estimate",
    "tickets": "ticket",
    "contacts": "contact",
    "attachments": "attachment",
    "sessions": "session",
    "payments": "payment",
    "documents": "document",
}
ARGUMENT = re.compile(r"<int:(\w+)>")


def _id_rules(app) -> list[Rule]:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/clients/") and ARGUMENT.search(rule.rule)
    ]
    assert rules, "no /clients/ rule with an <int:id> argument"
    return rules


def _ids(side: Side, kind: str) -> list[int]:
    return {
        "invoice": [side.invoice.id, side.draft_invoice.id],
        "estimate": [side.estimate.id, side.draft_estimate.id],
        "ticket": [side.ticket.id],
        "contact": [side.primary.id, side.colleague.id],
        "attachment": [a.id for m in side.ticket.messages for a in m.attachments],
        "session": [r.id for r in sessions.list_active(side.primary)],
        "payment": [side.payment.id],
        "document": [side.document.id],
    }[kind]


def _fill(rule: Rule, side: Side) -> list[str]:
    """Every path of ``rule`` with its int arguments set to ``side``'s ids of the right kind."""
    paths = [rule.rule]
    segments = rule.rule.split("/")
    for index, segment in enumerate(segments):
        match = ARGUMENT.fullmatch(segment)
        if not match:
            continue
        kind = KINDS.get(segments[index - 1])
        assert kind, f"{rule.rule}: add the record kind of {segments[index - 1]!r} to KINDS"
        paths = [path.replace(segment, str(pk), 1) for path in paths for pk in _ids(side, kind)]
    return paths


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) & {"GET", "POST"})


def _call(client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, data={})


@pytest.mark.parametrize("who", ["a", "b"])
def test_every_id_url_with_the_other_customers_ids_is_404(app, world: World, contact_client, who):
    me, other = (world.a, world.b) if who == "a" else (world.b, world.a)
    client = contact_client(me.primary)
    contact_client(other.primary)  # the other customer's contact has a session too
    checked = 0
    for rule in _id_rules(app):
        for method in _methods(rule):
            for path in _fill(rule, other):
                response = _call(client, method, path)
                assert response.status_code == 404, f"{method} {path}: {response.status_code}"
                body = response.get_data(as_text=True)
                assert other.customer.company_name not in body
                checked += 1
    assert checked >= 8


def test_own_records_open_but_drafts_do_not(world: World, contact_client):
    client = contact_client(world.a.primary)
    assert client.get(f"/clients/invoices/{world.a.invoice.id}").status_code == 200
    assert client.get(f"/clients/estimates/{world.a.estimate.id}").status_code == 200
    assert client.get(f"/clients/tickets/{world.a.ticket.id}").status_code == 200
    assert client.get(f"/clients/invoices/{world.a.draft_invoice.id}").status_code == 404
    assert client.get(f"/clients/estimates/{world.a.draft_estimate.id}").status_code == 404


FIXED = [
    "/clients/",
    "/clients/invoices",
    "/clients/estimates",
    "/clients/tickets",
    "/clients/profile",
    "/clients/company",
    "/clients/contacts",
    "/clients/documents",
]


@pytest.mark.parametrize("path", FIXED)
def test_fixed_pages_show_nothing_of_the_other_customer(world: World, contact_client, path):
    client = contact_client(world.a.primary)
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    b = world.b
    for secret in (
        b.customer.company_name,
        b.invoice.number,
        b.estimate.number,
        b.ticket.subject,
        b.primary.email,
        b.colleague.email,
        b.document.title,
    ):
        assert secret not in body, f"{path} shows {secret}"


def test_a_contact_without_invoices_cannot_reach_any_invoice(
    app, world: World, make_contact, contact_client
):
    limited = make_contact(world.a.customer, permissions=["estimates", "tickets"])
    client = contact_client(limited)
    invoice_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/clients/invoices")]
    assert invoice_rules
    for rule in invoice_rules:
        for method in _methods(rule):
            for side in (world.a, world.b):
                for path in _fill(rule, side) if ARGUMENT.search(rule.rule) else [rule.rule]:
                    code = _call(client, method, path).status_code
                    assert code in (403, 404), f"{method} {path}: {code}"
    dashboard = client.get("/clients/").get_data(as_text=True)
    assert "/clients/invoices" not in dashboard
    assert world.a.invoice.number not in dashboard
