"""The finance API: scoped like the pages, amounts as strings, uniform errors, idempotent POSTs."""

from __future__ import annotations

import pytest
import time_machine

from sunlit.finance.models import Bill, Payment, Refund, Tariff
from sunlit.transparency import merkle
from sunlit.transparency.entry import canonical
from tests.finance.conftest import NOW


@pytest.fixture
def billed(run, homes, property_fee):
    run()
    return Bill.objects.get(unit=homes[0])


@time_machine.travel(NOW, tick=False)
def test_owner_reads_his_account_and_proves_a_bill(client, owner, billed, homes):
    client.force_login(owner)
    account = client.get(f"/api/v1/finance/units/{homes[0].pk}/account").json()
    assert account["owed"] == "210.33" and account["bills"][0]["number"] == billed.number
    bill = client.get(f"/api/v1/finance/bills/{billed.pk}").json()
    assert bill["lines"][0]["calculation"]["area"] == "89.50" and bill["late_fee"] == "0.00"
    proof = client.get(f"/api/v1/finance/bills/{billed.pk}/proof").json()
    merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"],
                            merkle.leaf_hash(canonical(proof["bill"])),
                            [bytes.fromhex(h) for h in proof["inclusion_proof"]],
                            bytes.fromhex(proof["bills_root"]))
    assert client.get(f"/api/v1/finance/units/{homes[1].pk}/account").status_code == 404
    assert client.post(f"/api/v1/finance/units/{homes[0].pk}/payments",
                       {"amount": "10.00", "method": "cash"},
                       content_type="application/json").status_code == 403


@time_machine.travel(NOW, tick=False)  # before the due date: no late fee (see test_late_fees.py)
def test_counter_payment_idempotent_and_refund(client, finance, billed, homes):
    client.force_login(finance)
    url = f"/api/v1/finance/units/{homes[0].pk}/payments"
    body = {"amount": "300.00", "method": "pos", "reference": "T-1"}
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201 and again.json() == first.json() and Payment.objects.count() == 1
    assert first.json()["to_prepaid"] == "89.67"
    payment_id = first.json()["id"]
    refund = client.post(f"/api/v1/finance/payments/{payment_id}/refunds", {"amount": "50", "reason": "多交"},
                         content_type="application/json")
    assert refund.status_code == 201 and refund.json()["amount"] == "50.00"
    too_much = client.post(f"/api/v1/finance/payments/{payment_id}/refunds",
                           {"amount": "250.01", "reason": "x"},
                           content_type="application/json")
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": 12.5, "method": "cash"}, "amount"),       # a JSON number: never a float
    ({"amount": "-1", "method": "cash"}, "amount"),
    ({"amount": "1.001", "method": "cash"}, "amount"),
    ({"amount": "abc", "method": "cash"}, "amount"),
    ({"amount": "10", "method": "bitcoin"}, "method"),
    ({"method": "cash"}, "amount"),
    ({"amount": "10", "method": "cash", "bills": ["x"]}, "bills.0"),
])
def test_bad_payments_are_422_and_change_nothing(client, finance, billed, homes, body, field):
    client.force_login(finance)
    answer = client.post(f"/api/v1/finance/units/{homes[0].pk}/payments", body,
                         content_type="application/json")
    assert answer.status_code == 422
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not Payment.objects.exists()


def test_other_bills_cannot_be_picked(client, finance, billed, homes):
    client.force_login(finance)
    other = Bill.objects.get(unit=homes[1])
    answer = client.post(f"/api/v1/finance/units/{homes[0].pk}/payments",
                         {"amount": "10", "method": "cash", "bills": [other.pk]},
                         content_type="application/json")
    assert answer.status_code == 422 and not Payment.objects.exists()


def test_runs_preview_start_and_status(client, finance, community, homes, property_fee,
                                       django_capture_on_commit_callbacks):
    client.force_login(finance)
    preview = client.get(f"/api/v1/finance/communities/{community.pk}/runs/preview", {"period": "2026-01"})
    assert preview.json()["total"] == "634.13" and preview.json()["bills"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/finance/communities/{community.pk}/runs", {"period": "2026-01"},
                              content_type="application/json")
    assert started.status_code == 202
    status = client.get(f"/api/v1/finance/runs/{started.json()['id']}").json()
    assert status["status"] == "committed" and status["bill_count"] == 3
    again = client.post(f"/api/v1/finance/communities/{community.pk}/runs", {"period": "2026-01"},
                        content_type="application/json")
    assert again.status_code == 422
    bad = client.post(f"/api/v1/finance/communities/{community.pk}/runs", {"period": "2026-1"},
                      content_type="application/json")
    assert bad.status_code == 422


def test_tariffs_and_balances(client, finance, community, property_fee, auditor):
    client.force_login(finance)
    items = client.get(f"/api/v1/finance/communities/{community.pk}/fee-items").json()
    assert items[0]["tariffs"][0]["price"] == "2.3500"
    refused = client.post(f"/api/v1/finance/fee-items/{property_fee.pk}/tariffs",
                          {"price": "2.80", "effective_from": "2026-03-01"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "notice_published_on"
    assert Tariff.objects.count() == 1
    client.force_login(auditor)
    rows = {r["code"]: r for r in client.get(f"/api/v1/finance/communities/{community.pk}/balances").json()}
    assert rows["1122"]["balance"] == "0.00"
    assert client.post(f"/api/v1/finance/fee-items/{property_fee.pk}/tariffs",
                       {"price": "3", "effective_from": "2026-03-01"},
                       content_type="application/json").status_code == 403


def test_other_community_is_404(client, billed, other_community, make_member, community):
    stranger = make_member("finance", target=other_community, username="finance2")
    client.force_login(stranger)
    assert client.get(f"/api/v1/finance/bills/{billed.pk}").status_code == 404
    assert client.get(f"/api/v1/finance/communities/{community.pk}/balances").status_code == 404
