"""The admin's finance queue: issued invoices filtered by processed / not processed, and
"return to the queue" (audited), with who must not see or do it."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Customer, Invoice
from portal.models.database import begin_write
from portal.services.integration import finance
from portal.services.platform.audit import SYSTEM, acting_as


def _processed(invoice: Invoice, reference: str) -> None:
    begin_write(db.session)
    with acting_as(SYSTEM):
        finance.mark_processed(db.session.get(Invoice, invoice.id), reference)
        db.session.commit()


def _setup(make_customer, make_invoice):
    mine, other = make_customer("Mine Oy"), make_customer("Other Oy")
    waiting = make_invoice(mine, issue=True)
    done = make_invoice(mine, issue=True)
    foreign = make_invoice(other, issue=True)
    make_invoice(mine)  # a draft is never in the queue
    _processed(done, "FIN-1")
    return mine, other, waiting, done, foreign


def test_filter_processed_and_not_processed(staff_client, make_customer, make_invoice):
    _mine, _other, waiting, done, foreign = _setup(make_customer, make_invoice)
    client, _ = staff_client(["invoices.view"])
    queue = client.get("/admin/invoices/queue").get_data(as_text=True)
    assert waiting.number in queue and foreign.number in queue and done.number not in queue
    processed = client.get("/admin/invoices/queue?processed=yes").get_data(as_text=True)
    assert done.number in processed and "FIN-1" in processed
    assert waiting.number not in processed
    everything = client.get("/admin/invoices/queue?processed=all").get_data(as_text=True)
    assert all(i.number in everything for i in (waiting, done, foreign))
    # A reader sees no "return" button.
    assert "return-to-queue" not in processed


def test_return_to_the_queue_is_audited(api, staff_client, make_customer, make_invoice):
    _mine, _other, waiting, done, _foreign = _setup(make_customer, make_invoice)
    client, member = staff_client(["invoices.view", "invoices.edit"])
    page = client.get("/admin/invoices/queue?processed=yes").get_data(as_text=True)
    assert f"/admin/invoices/{done.id}/return-to-queue" in page
    response = client.post(f"/admin/invoices/{done.id}/return-to-queue?processed=yes")
    assert response.status_code == 302
    db.session.expire_all()
    invoice = db.session.get(Invoice, done.id)
    assert invoice.processed_at is None and invoice.finance_reference is None
    entry = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == "Invoice", AuditLog.entity_id == done.id)
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry.actor == f"staff:{member.id}"
    assert entry.changes["finance_reference"] == ["FIN-1", None]
    assert "processed_at" in entry.changes
    # The finance system sees it in its queue again and may process it with a new reference.
    queued = [i["id"] for i in api.get("/invoices/unprocessed").get_json()["data"]]
    assert done.id in queued
    again = api.post(f"/invoices/{done.id}/processed", {"reference": "FIN-2"})
    assert again.status_code == 200
    # Returning one that is not processed changes nothing.
    client.post(f"/admin/invoices/{waiting.id}/return-to-queue")
    assert db.session.get(Invoice, waiting.id).processed_at is None


def test_who_must_not_see_or_return(
    client, staff_client, make_customer, make_invoice, make_contact, login_contact
):
    mine, _other, _waiting, done, foreign = _setup(make_customer, make_invoice)
    url = f"/admin/invoices/{done.id}/return-to-queue"
    assert "/admin/login" in client.get("/admin/invoices/queue").location
    assert "/admin/login" in client.post(url).location
    nobody, _ = staff_client(["customers.view"])
    assert nobody.get("/admin/invoices/queue").status_code == 403
    reader, _ = staff_client(["invoices.view"])
    assert reader.post(url).status_code == 403
    own, member = staff_client(["invoices.view_own", "invoices.edit"])
    begin_write(db.session)
    db.session.get(Customer, mine.id).admins.append(db.session.merge(member))
    db.session.commit()
    page = own.get("/admin/invoices/queue?processed=all").get_data(as_text=True)
    assert done.number in page and foreign.number not in page
    _processed(foreign, "FIN-9")
    assert own.post(f"/admin/invoices/{foreign.id}/return-to-queue").status_code == 404
    assert db.session.get(Invoice, foreign.id).finance_reference == "FIN-9"
    login_contact(make_contact(mine))
    assert "/admin/login" in client.get("/admin/invoices/queue").location
    db.session.expire_all()
    assert db.session.get(Invoice, done.id).finance_reference == "FIN-1"


def test_queue_query_count_is_fixed(staff_client, make_customer, make_invoice, count_queries):
    client, _ = staff_client(["invoices.view"])

    def run() -> int:
        with count_queries() as counter:
            assert client.get("/admin/invoices/queue?processed=all").status_code == 200
        return counter.count

    customer = make_customer()
    for _ in range(2):
        make_invoice(customer, issue=True)
    few = run()
    for _ in range(6):
        make_invoice(make_customer(), issue=True)
    assert run() == few
