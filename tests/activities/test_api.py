"""Activities through the API: ``GET/POST /customers/{id}/activities``,
``GET/PATCH /activities/{id}``; the service's rules as 422 with the field, scopes as the
customers endpoints (read for GET, write for POST/PATCH), 404 for unknown ids, OpenAPI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Activity, AuditLog
from portal.models.base import utcnow
from tests.api.conftest import field_errors


def test_create_list_get_and_patch(api, make_customer, make_contact, make_staff):
    customer = make_customer()
    contact = make_contact(customer)
    member = make_staff([])
    response = api.post(
        f"/customers/{customer.id}/activities",
        {
            "kind": "meeting",
            "subject": "Kick-off",
            "body": "Agenda attached",
            "due_at": "2030-05-04T11:30:00+02:00",
            "contact_id": contact.id,
            "assigned_to": member.id,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] > 0 and body["customer_id"] == customer.id
    assert body["due_at"].startswith("2030-05-04T09:30:00")  # stored in UTC
    assert (body["done"], body["overdue"], body["done_at"]) == (False, False, None)
    assert (body["contact_id"], body["assigned_to"], body["kind"]) == (
        contact.id,
        member.id,
        "meeting",
    )
    assert api.get(f"/activities/{body['id']}").get_json() == body

    minimal = api.post(f"/customers/{customer.id}/activities", {"subject": "Call back"})
    assert minimal.status_code == 201
    assert minimal.get_json()["kind"] == "task"

    listed = api.get(f"/customers/{customer.id}/activities").get_json()
    assert listed["total"] == 2 and [a["subject"] for a in listed["data"]] == [
        "Kick-off",
        "Call back",
    ]

    done = api.patch(f"/activities/{body['id']}", {"done": True, "subject": "Kick-off held"})
    assert done.status_code == 200
    assert done.get_json()["done"] is True and done.get_json()["subject"] == "Kick-off held"
    assert api.get(f"/customers/{customer.id}/activities?done=false").get_json()["total"] == 1
    assert api.get(f"/customers/{customer.id}/activities?done=true").get_json()["total"] == 1
    reopened = api.patch(f"/activities/{body['id']}", {"done": False, "due_at": None})
    assert reopened.get_json()["done"] is False and reopened.get_json()["due_at"] is None
    log = db.session.scalar(
        db.select(AuditLog).where(AuditLog.entity_type == "Activity").order_by(AuditLog.id)
    )
    assert log.actor.startswith("api:") and log.customer_id == customer.id


def test_overdue_in_the_api(api, make_customer, make_activity):
    customer = make_customer()
    late = make_activity(customer, due_at=utcnow() - timedelta(minutes=1))
    assert api.get(f"/activities/{late.id}").get_json()["overdue"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "Call", "kind": "party"}, "kind"),
        ({"subject": "Call", "due_at": "tomorrow"}, "due_at"),
        ({"subject": "Call", "due_at": 1700000000}, "due_at"),
        ({"subject": "Call", "assigned_to": "1"}, "assigned_to"),
        ({"subject": "Call", "contact_id": 0}, "contact_id"),
        ({"subject": "Call", "colour": "red"}, "colour"),
        ({"subject": 12}, "subject"),
    ],
)
def test_bad_input_is_422_with_the_field(api, make_customer, body, field):
    customer = make_customer()
    response = api.post(f"/customers/{customer.id}/activities", body)
    assert response.status_code == 422, response.get_json()
    assert field in field_errors(response)
    assert db.session.query(Activity).count() == 0


def test_rules_of_the_service_are_422_with_the_field(
    api, make_customer, make_contact, make_staff, make_activity, deactivate
):
    customer, other = make_customer(), make_customer()
    foreign = make_contact(other)
    gone = make_staff([])
    deactivate(gone)
    url = f"/customers/{customer.id}/activities"
    inactive = api.post(url, {"subject": "Call", "assigned_to": gone.id})
    assert inactive.status_code == 422
    assert field_errors(inactive) == {"assigned_to": "Choose an active staff member."}
    unknown = api.post(url, {"subject": "Call", "assigned_to": 999999})
    assert field_errors(unknown) == {"assigned_to": "Choose an active staff member."}
    wrong_contact = api.post(url, {"subject": "Call", "contact_id": foreign.id})
    assert set(field_errors(wrong_contact)) == {"contact_id"}
    assert db.session.query(Activity).count() == 0

    activity = make_activity(customer)
    patch = api.patch(f"/activities/{activity.id}", {"assigned_to": gone.id})
    assert patch.status_code == 422 and set(field_errors(patch)) == {"assigned_to"}
    assert api.patch(f"/activities/{activity.id}", {"subject": None}).status_code == 422
    assert api.patch(f"/activities/{activity.id}", {"done": "yes"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).assigned_to is None


def test_unknown_ids_are_404(api, make_customer):
    assert api.get("/customers/999999/activities").status_code == 404
    assert api.post("/customers/999999/activities", {"subject": "x"}).status_code == 404
    assert api.get("/activities/999999").status_code == 404
    assert api.patch("/activities/999999", {"subject": "x"}).status_code == 404


def test_scopes_and_tokens(api, make_token, make_customer, make_activity):
    customer = make_customer()
    activity = make_activity(customer)
    reader = make_token("Reader", ("read",))
    assert api.get(f"/customers/{customer.id}/activities", token=reader).status_code == 200
    assert (
        api.post(f"/customers/{customer.id}/activities", {"subject": "x"}, token=reader).status_code
        == 403
    )
    assert (
        api.patch(f"/activities/{activity.id}", {"subject": "x"}, token=reader).status_code == 403
    )
    assert api.get(f"/activities/{activity.id}", token="pt_wrong").status_code == 401
    assert api.client.get(f"/api/v1/customers/{customer.id}/activities").status_code == 401


def test_in_the_openapi_document(api):
    document = api.client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/customers/{id}/activities"])
    assert {"get", "patch"} <= set(paths["/api/v1/activities/{id}"])
