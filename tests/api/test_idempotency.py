"""``Idempotency-Key`` on POST: the same key and body replay the first response and change
nothing; another body is 422; a key still running is 409; keys are kept 24 hours."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import ApiToken, Customer, IdempotencyKey, Payment
from portal.models.base import utcnow
from portal.services.integration import idempotency


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_same_key_same_body_returns_the_first_response(api):
    headers = {"Idempotency-Key": "create-acme-1"}
    first = api.post("/customers", {"company_name": "Acme"}, headers=headers)
    assert first.status_code == 201
    again = api.post("/customers", {"company_name": "Acme"}, headers=headers)
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(Customer) == 1


def test_key_order_and_spacing_do_not_matter(api):
    headers = {"Idempotency-Key": "k"}
    api.post("/customers", {"company_name": "A", "phone": "1"}, headers=headers)
    response = api.client.post(
        "/api/v1/customers",
        data='{ "phone" : "1", "company_name" : "A" }',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}", **headers},
    )
    assert response.status_code == 201 and _count(Customer) == 1


def test_same_key_other_body_is_422(api):
    headers = {"Idempotency-Key": "reused"}
    api.post("/customers", {"company_name": "A"}, headers=headers)
    response = api.post("/customers", {"company_name": "B"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _count(Customer) == 1


def test_same_key_on_another_path_is_422(api, make_invoice):
    invoice = make_invoice()
    headers = {"Idempotency-Key": "path"}
    assert api.post(f"/invoices/{invoice.id}/issue", headers=headers).status_code == 200
    other = api.post("/customers", {"company_name": "B"}, headers=headers)
    assert other.status_code == 422


def test_same_key_while_running_is_409(api):
    token = db.session.scalar(db.select(ApiToken))
    body = {"company_name": "Slow"}
    db.session.add(
        IdempotencyKey(
            token_id=token.id,
            key="running",
            request_hash=idempotency.request_hash("POST", "/api/v1/customers", body),
        )
    )
    db.session.commit()
    response = api.post("/customers", body, headers={"Idempotency-Key": "running"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_key_in_use"
    assert _count(Customer) == 0


def test_keys_belong_to_their_token(api, make_token):
    other = make_token("Other")
    headers = {"Idempotency-Key": "shared"}
    api.post("/customers", {"company_name": "A"}, headers=headers)
    response = api.post("/customers", {"company_name": "B"}, headers=headers, token=other)
    assert response.status_code == 201
    assert _count(Customer) == 2


def test_error_responses_are_replayed_too(api):
    headers = {"Idempotency-Key": "bad"}
    first = api.post("/customers", {"company_name": ""}, headers=headers)
    assert first.status_code == 422
    again = api.post("/customers", {"company_name": ""}, headers=headers)
    assert again.status_code == 422 and again.get_data() == first.get_data()


def test_a_repeated_sale_changes_nothing(api, make_invoice):
    invoice = make_invoice(issue=True)
    body = {
        "invoice_number": invoice.number,
        "reference": "R",
        "amount": "48.00",
        "currency": "EUR",
        "paid_at": "2026-01-02",
    }
    headers = {"Idempotency-Key": "sale-1"}
    first = api.post("/sales", body, headers=headers)
    again = api.post("/sales", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert _count(Payment) == 1


def test_keys_are_kept_24_hours_then_purged(api):
    headers = {"Idempotency-Key": "old"}
    api.post("/customers", {"company_name": "A"}, headers=headers)
    db.session.execute(db.update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=23)))
    db.session.commit()
    assert (
        api.post("/customers", {"company_name": "A"}, headers=headers).headers.get(
            "Idempotent-Replayed"
        )
        == "true"
    )
    db.session.execute(db.update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    api.post("/customers", {"company_name": "C"}, headers={"Idempotency-Key": "new"})
    keys = db.session.scalars(db.select(IdempotencyKey.key)).all()
    assert keys == ["new"]  # the old key was purged
    response = api.post("/customers", {"company_name": "A"}, headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_invalid_key_is_400(api):
    response = api.post("/customers", {"company_name": "A"}, headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert _count(Customer) == 0


def test_without_a_key_each_post_counts(api):
    api.post("/customers", {"company_name": "A"})
    api.post("/customers", {"company_name": "A"})
    assert _count(Customer) == 2


def test_a_server_error_forgets_the_key_so_a_retry_runs(api, monkeypatch):
    from portal.services import customers

    real = customers.create_customer

    def broken(data):
        raise RuntimeError("database went away")

    monkeypatch.setattr(customers, "create_customer", broken)
    headers = {"Idempotency-Key": "retry-me"}
    response = api.post("/customers", {"company_name": "A"}, headers=headers)
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "server_error", "message": "Server error"}}
    assert _count(IdempotencyKey) == 0
    monkeypatch.setattr(customers, "create_customer", real)
    assert api.post("/customers", {"company_name": "A"}, headers=headers).status_code == 201
    assert _count(Customer) == 1
