"""The public-money API: receipts uploaded then referenced, the approval flow over HTTP, the
fund's uses and per-household statements with proofs; bad input 422, other communities 404."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from sunlit.finance.fund import services as fund
from sunlit.finance.models import Expense, FundUse, PublicIncome
from sunlit.transparency import merkle
from tests.finance.conftest import NOW
from tests.finance.money_fixtures import TODAY, jpeg, storage_dir  # noqa: F401

pytestmark = pytest.mark.usefixtures("storage_dir")
JSON = "application/json"


def upload(client, community, n=1) -> list[int]:
    files = [
        SimpleUploadedFile(f"r{i}.jpg", jpeg((i * 40, 10, 10)), content_type="image/jpeg") for i in range(n)
    ]
    answer = client.post("/api/v1/finance/money/receipts", {"community_id": community.pk, "files": files})
    assert answer.status_code == 201, answer.content
    return [r["id"] for r in answer.json()]


@time_machine.travel(NOW, tick=False)
def test_income_with_receipt_idempotent(client, finance, books):
    client.force_login(finance)
    ids = upload(client, books)
    body = {
        "category": "parking",
        "payer": "上海捷停停车管理有限公司",
        "amount": "3600.00",
        "received_on": str(TODAY),
        "receipt_ids": ids,
    }
    url = f"/api/v1/finance/communities/{books.pk}/public-income"
    first = client.post(url, body, content_type=JSON, headers={"Idempotency-Key": "inc-1"})
    again = client.post(url, body, content_type=JSON, headers={"Idempotency-Key": "inc-1"})
    assert first.status_code == 201 and again.json() == first.json() and PublicIncome.objects.count() == 1
    assert first.json()["receipts"][0]["sha256"] and first.json()["entry"].startswith("JZ-")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 12.5}, "amount"),
        ({"amount": "-3"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"currency": "USD"}, "amount"),
        ({"category": "bitcoin"}, "category"),
        ({"receipt_ids": []}, "receipts"),
        ({"payee": ""}, "payee"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_bad_expenses_are_422_and_write_nothing(client, finance, books, body, field):
    client.force_login(finance)
    ids = upload(client, books)
    data = {
        "category": "6405",
        "payee": "上海申安电梯维保有限公司",
        "amount": "800.00",
        "spent_on": str(TODAY),
        "description": "门禁控制器",
        "receipt_ids": ids,
    } | body
    answer = client.post(f"/api/v1/finance/communities/{books.pk}/expenses", data, content_type=JSON)
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not Expense.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_approval_flow_over_http(client, finance, manager, committee, books, owner):
    client.force_login(finance)
    ids = upload(client, books)
    created = client.post(
        f"/api/v1/finance/communities/{books.pk}/expenses",
        {
            "category": "6407",
            "payee": "上海三菱电梯有限公司",
            "amount": "18600.00",
            "spent_on": str(TODAY),
            "description": "更换 3 号楼曳引机钢丝绳",
            "receipt_ids": ids,
            "submit": True,
        },
        content_type=JSON,
    ).json()
    assert created["status"] == "submitted" and created["needs_committee"] is True
    eid = created["id"]
    assert client.post(f"/api/v1/finance/expenses/{eid}/approve", {}, content_type=JSON).status_code == 403
    client.force_login(manager)
    assert (
        client.post(f"/api/v1/finance/expenses/{eid}/approve", {"note": "同意"}, content_type=JSON).json()[
            "status"
        ]
        == "submitted"
    )
    again = client.post(f"/api/v1/finance/expenses/{eid}/approve", {}, content_type=JSON)
    assert again.status_code == 422
    client.force_login(committee)
    assert (
        client.post(f"/api/v1/finance/expenses/{eid}/approve", {}, content_type=JSON).json()["status"]
        == "approved"
    )
    client.force_login(owner)
    assert client.get(f"/api/v1/finance/expenses/{eid}").status_code == 404
    client.force_login(finance)
    posted = client.post(f"/api/v1/finance/expenses/{eid}/post", content_type=JSON).json()
    assert posted["status"] == "posted" and [s["action"] for s in posted["steps"]] == [
        "created",
        "submitted",
        "approved",
        "approved",
        "posted",
    ]


@time_machine.travel(NOW, tick=False)
def test_other_community_is_404(client, books, other_community, make_member, finance):
    client.force_login(finance)
    ids = upload(client, books)
    client.post(
        f"/api/v1/finance/communities/{books.pk}/expenses",
        {
            "category": "6405",
            "payee": "某公司",
            "amount": "8.00",
            "spent_on": str(TODAY),
            "description": "x",
            "receipt_ids": ids,
        },
        content_type=JSON,
    )
    expense = Expense.objects.get()
    stranger = make_member("manager", target=other_community, username="m2")
    client.force_login(stranger)
    assert client.get(f"/api/v1/finance/expenses/{expense.pk}").status_code == 404
    assert client.get(f"/api/v1/finance/communities/{books.pk}/expenses").status_code == 404
    assert (
        client.post(f"/api/v1/finance/expenses/{expense.pk}/approve", {}, content_type=JSON).status_code
        == 404
    )
    client.force_login(finance)
    theirs = client.post(
        f"/api/v1/finance/communities/{books.pk}/expenses",
        {
            "category": "6405",
            "payee": "某公司",
            "amount": "8.00",
            "spent_on": str(TODAY),
            "description": "x",
            "receipt_ids": ids,
        },
        content_type=JSON,
    )
    assert theirs.status_code == 422  # the receipt is already used


@time_machine.travel(NOW, tick=False)
def test_fund_initial_emergency_use_and_owner_statement_with_proof(
    client, finance, manager, committee, books, homes, owner
):
    client.force_login(finance)
    initial = client.post(
        f"/api/v1/finance/communities/{books.pk}/fund/initial",
        {"rate": "50", "deposited_on": str(TODAY)},
        content_type=JSON,
    )
    assert initial.status_code == 201 and initial.json()["total"] == "13492.00"
    ids = upload(client, books)
    refused = client.post(
        f"/api/v1/finance/communities/{books.pk}/fund/uses",
        {
            "title": "屋面抢修",
            "contractor": "上海建工防水工程有限公司",
            "amount": "300.00",
            "used_on": str(TODAY),
            "basis": "vote",
            "document_ids": ids,
        },
        content_type=JSON,
    )
    assert refused.status_code == 422 and "vote" in [e["field"] for e in refused.json()["errors"]]
    created = client.post(
        f"/api/v1/finance/communities/{books.pk}/fund/uses",
        {
            "title": "屋面抢修",
            "contractor": "上海建工防水工程有限公司",
            "amount": "300.00",
            "used_on": str(TODAY),
            "basis": "emergency",
            "emergency_reason": "暴雨后顶层渗漏",
            "document_ids": ids,
            "scope": "units",
            "unit_ids": [h.pk for h in homes],
        },
        content_type=JSON,
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    use_id = created.json()["id"]
    for who in (manager, committee):
        client.force_login(who)
        answer = client.post(f"/api/v1/finance/fund/uses/{use_id}/approve", content_type=JSON)
    assert answer.json()["status"] == "posted" and len(answer.json()["approvers"]) == 2
    client.force_login(owner)
    mine = client.get(f"/api/v1/finance/units/{homes[0].pk}/fund").json()
    assert mine["balance"] == "4375.50" and [m["debit"] for m in mine["movements"]] == ["0.00", "99.50"]
    assert client.get(f"/api/v1/finance/units/{homes[1].pk}/fund").status_code == 404
    proof = client.get(f"/api/v1/finance/fund/uses/{use_id}/shares/{homes[0].pk}/proof").json()
    use = FundUse.objects.get()
    merkle.verify_inclusion(
        proof["leaf_index"],
        proof["tree_size"],
        fund.leaf_of(proof["row"]),
        [bytes.fromhex(h) for h in proof["inclusion_proof"]],
        bytes.fromhex(use.split_root),
    )
    assert client.get(f"/api/v1/finance/fund/uses/{use_id}/shares/{homes[1].pk}/proof").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_policy_get_and_put(client, manager, finance, committee, books):
    from sunlit.governance.controls.models import ControlChange

    client.force_login(manager)
    url = f"/api/v1/finance/communities/{books.pk}/money-policy"
    assert client.get(url).json() == {"dual_approval_above": "5000.00", "receipt_required_above": "0.00"}
    # raising is the committee's: a 403 that says how to ask, and nothing changes
    refused = client.put(url, {"dual_approval_above": "8000"}, content_type=JSON)
    assert refused.status_code == 403 and "变更申请" in refused.json()["detail"]
    assert not ControlChange.objects.exists()
    # lowering is open to the manager
    assert (
        client.put(url, {"dual_approval_above": "3000"}, content_type=JSON).json()["dual_approval_above"]
        == "3000.00"
    )
    assert client.put(url, {"dual_approval_above": "-1"}, content_type=JSON).status_code == 422
    # the proposal goes through the controls API; the committee confirms it
    proposal = client.post(
        f"/api/v1/communities/{books.pk}/control-changes",
        {"kind": "finance.money_policy", "params": {"dual_approval_above": "8000"}, "reason": "审批太慢"},
        content_type=JSON,
    )
    assert proposal.status_code == 201 and proposal.json()["status"] == "pending"
    client.force_login(committee)
    assert client.post(f"/api/v1/control-changes/{proposal.json()['id']}/confirm", {},
                       content_type=JSON).json()["status"] == "applied"
    assert client.get(url).json()["dual_approval_above"] == "8000.00"
    assert client.put(url, {"dual_approval_above": "9000"}, content_type=JSON).status_code == 200
    client.force_login(finance)
    assert client.put(url, {"dual_approval_above": "1"}, content_type=JSON).status_code == 403
