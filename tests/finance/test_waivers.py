"""Waivers (减免): requested by finance staff, decided by someone else with approval rights,
posted (bill waivers) and logged with the approver's name and role, never the owner's; bad
input, other communities' bills, double decisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sunlit.finance.billing import selectors
from sunlit.finance.billing.choices import BillStatus
from sunlit.finance.books import ledger
from sunlit.finance.charges import waivers
from sunlit.finance.charges.choices import WaiverStatus
from sunlit.finance.models import Allocation, Bill, JournalEntry, LateFeeCharge, Waiver
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import AllocationKind
from sunlit.tickets.sla import SHANGHAI
from sunlit.transparency.entry import parse
from sunlit.transparency.models import LogLeaf
from tests.conftest import HOSTILE_NEXT
from tests.finance.conftest import NOW

D = Decimal
APRIL = dt.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI)


@pytest.fixture
def bill(run, homes, property_fee):
    run()
    return Bill.objects.get(unit=homes[0])  # 210.33, due 2026-02-07


def ask(bill, actor, **kwargs):
    kwargs.setdefault("target", "bill")
    kwargs.setdefault("reason_category", "service")
    kwargs.setdefault("reason", "电梯停运两周，按约定减免")
    kwargs.setdefault("now", APRIL)
    return waivers.request_waiver(bill, actor=actor, **kwargs)


def events(kind):
    return [parse(x.data.encode()) for x in LogLeaf.objects.filter(event_type=kind).order_by("index")]


def test_a_bill_waiver_approved_by_the_manager_is_posted_and_logged(bill, finance, manager):
    waiver = ask(bill, finance, amount="50.00")
    assert waiver.status == WaiverStatus.PENDING and waiver.number.startswith("JM-202604-")
    assert Bill.objects.get(pk=bill.pk).paid == D("0.00")  # nothing happens before approval
    approved = waivers.approve_waiver(waiver, actor=manager, note="同意", now=APRIL)
    assert (approved.status, approved.amount) == (WaiverStatus.APPROVED, D("50.00"))
    assert approved.decided_role == "项目经理"
    fresh = Bill.objects.get(pk=bill.pk)
    assert (fresh.paid, fresh.outstanding, fresh.status) == (D("50.00"), D("160.33"), BillStatus.PARTIAL)
    assert Allocation.objects.get(bill=bill, kind=AllocationKind.WAIVER).amount == D("50.00")
    lines = {(x.account.code, x.debit, x.credit) for x in approved.entry.lines.select_related("account")}
    assert lines == {("6009", D("50.00"), D("0.00")), ("1122", D("0.00"), D("50.00"))}
    assert ledger.balances(bill.community)["1122"]["balance"] == D("634.13") - D("50.00")
    assert ledger.trial_balance_ok(bill.community)
    leaf = events("finance.waiver.approved")[0]
    public = leaf["public"]
    assert public == {"number": waiver.number, "target": "bill",
                      "amount": "50.00", "reason_category": "service", "requested_by": finance.display_name,
                      "approver": "刘经理", "approver_role": "项目经理", "effective_on": "2026-04-01",
                      "entry": approved.entry.number}
    assert "王小明" not in str(leaf) and "电梯停运" not in str(leaf)  # reason only as a commitment
    # the household and its bill only as commitments
    assert bill.unit.label not in str(leaf) and bill.number not in str(leaf)
    assert set(leaf["commitments"]) == {"reason", "unit", "bill"}


def test_the_requester_cannot_approve_his_own_request(bill, manager, finance):
    waiver = ask(bill, manager, amount="10.00")
    with pytest.raises(PermissionDenied, match="申请人以外"):
        waivers.approve_waiver(waiver, actor=manager, now=APRIL)
    with pytest.raises(PermissionDenied, match="申请人以外"):
        waivers.reject_waiver(waiver, actor=manager, now=APRIL)
    with pytest.raises(PermissionDenied):  # finance staff may ask but not approve
        waivers.approve_waiver(waiver, actor=finance, now=APRIL)
    assert Waiver.objects.get().status == WaiverStatus.PENDING and not Allocation.objects.exists()


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"amount": "210.34"}, "amount", "不能超过应收金额 210.33"),
    ({"amount": "-5"}, "amount", "负数"),
    ({"amount": "1.234"}, "amount", "两位小数"),
    ({"amount": 12.5}, "amount", "精确"),
    ({"amount": "0"}, "amount", "大于零"),
    ({"amount": None}, "amount", "数字"),
    ({"amount": "10", "whole": True}, "amount", "全额减免时不要填写金额"),
    ({"amount": "10", "reason": "  "}, "reason", "请填写减免原因"),
    ({"amount": "10", "reason_category": "friend"}, "reason_category", "原因类别"),
    ({"amount": "10", "target": "everything"}, "target", "减免对象"),
    ({"target": "late_fee", "whole": True, "now": NOW}, "target", "没有应收的滞纳金"),
])
def test_bad_requests_change_nothing(bill, finance, kwargs, field, message):
    with pytest.raises(ValidationError) as caught:
        ask(bill, finance, **kwargs)
    assert field in caught.value.message_dict and message in " ".join(caught.value.message_dict[field])
    assert not Waiver.objects.exists()


def test_a_waiver_larger_than_what_is_due_at_approval_is_refused(bill, finance, manager, homes):
    waiver = ask(bill, finance, amount="200.00")
    payments.receive_payment(homes[0], actor=finance, amount="100.00", method="cash", now=APRIL)
    with pytest.raises(ValidationError, match="超过目前应收"):
        waivers.approve_waiver(waiver, actor=manager, now=APRIL)
    assert Waiver.objects.get().status == WaiverStatus.PENDING
    assert not JournalEntry.objects.filter(source="waiver").exists()


def test_double_approval_is_idempotent_and_a_rejection_is_kept(bill, finance, manager, company_admin):
    waiver = ask(bill, finance, whole=True)
    first = waivers.approve_waiver(waiver, actor=manager, now=APRIL)
    again = waivers.approve_waiver(waiver, actor=company_admin, now=APRIL)
    assert first.amount == again.amount == D("210.33") and again.decided_by == manager
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.PAID
    assert JournalEntry.objects.filter(source="waiver").count() == 1
    assert len(events("finance.waiver.approved")) == 1
    with pytest.raises(ValidationError, match="已批准"):
        waivers.reject_waiver(waiver, actor=company_admin, now=APRIL)
    with pytest.raises(ValidationError, match="没有可减免"):
        ask(bill, finance, amount="1.00")
    second = ask(Bill.objects.exclude(pk=bill.pk).first(), finance, amount="5.00", reason_category="other",
                 reason="业主称家庭困难")
    rejected = waivers.reject_waiver(second, actor=company_admin, note="材料不全", now=APRIL)
    assert rejected.status == WaiverStatus.REJECTED and rejected.decided_role == "物业公司管理员"
    assert waivers.reject_waiver(second, actor=company_admin, now=APRIL).decision_note == "材料不全"
    with pytest.raises(ValidationError, match="已被驳回"):
        waivers.approve_waiver(second, actor=manager, now=APRIL)
    leaf = events("finance.waiver.rejected")
    assert len(leaf) == 1 and leaf[0]["public"]["approver_role"] == "物业公司管理员"
    assert "家庭困难" not in str(leaf[0]) and "材料不全" not in str(leaf[0])
    assert Waiver.objects.count() == 2  # the rejection is kept


def test_a_late_fee_waiver_lowers_the_late_fee_owed_from_that_day(bill, finance, manager, homes):
    # on 1 April the late fee if paid that day is 22 days × 210.33 × 0.0003 = 1.39
    assert selectors.bill_view(bill, dt.date(2026, 4, 1)).late_fee.amount == D("1.39")
    waiver = ask(bill, finance, target="late_fee", whole=True, reason_category="hardship", reason="低保户")
    approved = waivers.approve_waiver(waiver, actor=manager, now=APRIL)
    # "all of it" is fixed at approval: the late fee owed that day (as pages show it) = 1.39
    assert approved.amount == D("1.39") and approved.entry is None
    view = selectors.bill_view(Bill.objects.get(pk=bill.pk), dt.date(2026, 4, 1))
    assert view.late_fee.amount == D("0.00") and view.waived == D("1.39")
    # days after the approval still count while the bill is unpaid: paid on 11 April,
    # 32 days = 2.019168 → 2.02, less 1.39 waived = 0.63 collected
    payment = payments.receive_payment(homes[0], actor=finance, amount="300.00", method="cash",
                                       now=APRIL + dt.timedelta(days=10))
    assert LateFeeCharge.objects.get(payment=payment).amount == D("0.63")
    assert "entry" not in events("finance.waiver.approved")[0]["public"]


def test_another_community_s_bill_and_the_waiver_api(client, bill, finance, manager, other_community,
                                                     make_member, owner):
    from sunlit.core.choices import Role

    stranger = make_member(Role.FINANCE, other_community, username="finance2")
    client.force_login(stranger)
    url = f"/api/v1/finance/bills/{bill.pk}/waivers"
    body = {"target": "bill", "amount": "20.00", "reason_category": "billing_error", "reason": "面积录入有误"}
    assert client.post(url, body, content_type="application/json").status_code == 404
    client.force_login(owner)  # the owner sees the bill but may not ask for a waiver
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(finance)
    with time_machine.travel(APRIL, tick=False):
        first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "w1"})
        again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "w1"})
    assert first.status_code == 201 and again.json() == first.json() and Waiver.objects.count() == 1
    bad = client.post(url, {**body, "amount": "1.001"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"
    missing = client.post(url, {"target": "bill", "amount": "1"}, content_type="application/json")
    assert missing.status_code == 422
    waiver_id = first.json()["id"]
    assert client.post(f"/api/v1/finance/waivers/{waiver_id}/approve", {},
                       content_type="application/json").status_code == 403
    client.force_login(stranger)
    assert client.get(f"/api/v1/finance/waivers/{waiver_id}").status_code == 404
    client.force_login(manager)
    with time_machine.travel(APRIL, tick=False):
        approved = client.post(f"/api/v1/finance/waivers/{waiver_id}/approve", {"note": "核实无误"},
                               content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["amount"] == "20.00" and approved.json()["decided_by"] == "刘经理"
    listed = client.get(f"/api/v1/finance/communities/{bill.community_id}/waivers?status=approved"
                        ).json()["items"]
    assert [w["number"] for w in listed] == [first.json()["number"]]


def test_waiver_pages_request_queue_and_decision(client, bill, finance, manager):
    client.force_login(finance)
    page = client.get(reverse("finance:bill", args=[bill.pk]))
    assert 'data-testid="request-waiver"' in page.text
    form = client.get(reverse("finance:waiver_new", args=[bill.pk]))
    assert form.status_code == 200 and "¥210.33" in form.text
    bad = client.post(reverse("finance:waiver_new", args=[bill.pk]),
                      {"target": "bill", "amount": "999", "reason_category": "service", "reason": "停水三天"})
    assert bad.status_code == 400 and "不能超过应收金额" in bad.text and "停水三天" in bad.text
    ok = client.post(reverse("finance:waiver_new", args=[bill.pk]),
                     {"target": "bill", "amount": "30.00", "reason_category": "service", "reason": "停水三天",
                      "idempotency_key": "form-1"})
    assert ok.status_code == 302 and Waiver.objects.count() == 1
    client.post(reverse("finance:waiver_new", args=[bill.pk]),  # a double click
                {"target": "bill", "amount": "30.00", "reason_category": "service", "reason": "停水三天",
                 "idempotency_key": "form-1"})
    assert Waiver.objects.count() == 1
    queue = client.get(reverse("finance:waiver_list"))
    assert "停水三天" in queue.text and "waiver_decide" not in queue.text and "批准" not in queue.text.split(
        'data-testid="waivers"')[1]
    client.force_login(manager)
    queue = client.get(reverse("finance:waiver_list"))
    waiver = Waiver.objects.get()
    assert reverse("finance:waiver_decide", args=[waiver.pk]) in queue.text
    answer = client.post(reverse("finance:waiver_decide", args=[waiver.pk]),
                         {"decision": "approve", "note": ""})
    assert answer.status_code == 302 and Waiver.objects.get().status == WaiverStatus.APPROVED
    history = client.get(reverse("finance:waiver_list"), {"status": "approved"})
    assert waiver.number in history.text and "已存证" in history.text


@pytest.mark.parametrize("evil", HOSTILE_NEXT)
def test_the_decision_never_redirects_elsewhere(client, bill, finance, manager, evil):
    """Issue 12: ``next`` after a waiver decision was followed to any site."""
    waiver = ask(bill, finance, amount=D("10.00"))
    client.force_login(manager)
    answer = client.post(reverse("finance:waiver_decide", args=[waiver.pk]),
                         {"decision": "reject", "note": "材料不全", "next": evil})
    assert answer.status_code == 302 and answer["Location"] == reverse("finance:waiver_list")
    refused = client.post(reverse("finance:waiver_decide", args=[waiver.pk]),
                          {"decision": "bogus", "next": evil})
    assert refused["Location"] == reverse("finance:waiver_list")


def test_the_decision_returns_to_a_page_of_ours(client, bill, finance, manager):
    waiver = ask(bill, finance, amount=D("10.00"))
    client.force_login(manager)
    back = "/finance/waivers/?status=pending"
    answer = client.post(reverse("finance:waiver_decide", args=[waiver.pk]),
                         {"decision": "reject", "note": "材料不全", "next": back})
    assert answer["Location"] == back
