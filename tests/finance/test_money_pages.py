"""Public-money pages: staff record income and expenses with receipt images, the manager and the
committee approve from their queue, finance pays; owners see their own unit's fund statement."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sunlit.finance.expenses import services as expenses
from sunlit.finance.fund import services as fund
from sunlit.finance.models import Expense, PublicIncome
from tests.finance.conftest import NOW
from tests.finance.money_fixtures import TODAY, jpeg, storage_dir  # noqa: F401

pytestmark = pytest.mark.usefixtures("storage_dir")


def image(n=1):
    return SimpleUploadedFile(f"receipt{n}.jpg", jpeg((n * 30, 90, 90)), content_type="image/jpeg")


@time_machine.travel(NOW, tick=False)
def test_income_form_with_receipt_then_listed_with_proof(client, finance, books):
    client.force_login(finance)
    page = client.get(reverse("finance:income_list"))
    assert page.status_code == 200 and "公共收益入账" in page.text
    answer = client.post(
        reverse("finance:income_list"),
        {
            "category": "advertising",
            "payer": "上海分众传媒有限公司",
            "amount": "12000",
            "received_on": str(TODAY),
            "method": "1002",
            "receipts": [image()],
            "idempotency_key": "form-1",
        },
    )
    assert answer.status_code == 302
    income = PublicIncome.objects.get()
    listed = client.get(reverse("finance:income_list"))
    assert income.number in listed.text and "12,000.00" in listed.text
    file = client.get(reverse("finance:money_file", args=[income.receipts.get().pk]))
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"


@time_machine.travel(NOW, tick=False)
def test_bad_income_form_keeps_input_and_shows_the_error(client, finance, books):
    client.force_login(finance)
    answer = client.post(
        reverse("finance:income_list"),
        {
            "category": "advertising",
            "payer": "上海分众传媒有限公司",
            "amount": "12.345",
            "received_on": str(TODAY),
            "method": "1002",
            "receipts": [image()],
        },
    )
    assert answer.status_code == 400 and "两位小数" in answer.text and "上海分众传媒有限公司" in answer.text
    assert not PublicIncome.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_expense_from_form_to_paid_through_the_queues(client, finance, manager, committee, books):
    client.force_login(finance)
    answer = client.post(
        reverse("finance:expense_new"),
        {
            "category": "6403",
            "payee": "上海绿之源园林绿化有限公司",
            "amount": "7800.00",
            "spent_on": str(TODAY),
            "description": "小区乔木修剪",
            "method": "1002",
            "receipts": [image(), image(2)],
            "submit": "on",
            "idempotency_key": "k-exp",
        },
    )
    expense = Expense.objects.get()
    assert answer.status_code == 302 and expense.needs_committee and expense.receipts.count() == 2
    for who in (manager, committee):
        client.force_login(who)
        queue = client.get(reverse("finance:money_approvals"))
        assert expense.number in queue.text
        detail = client.get(reverse("finance:expense", args=[expense.pk]))
        assert 'data-testid="approve"' in detail.text
        client.post(reverse("finance:expense", args=[expense.pk]), {"action": "approve", "note": "同意"})
        assert expense.number not in client.get(reverse("finance:money_approvals")).text
    client.force_login(finance)
    detail = client.get(reverse("finance:expense", args=[expense.pk]))
    assert 'data-testid="post"' in detail.text and "刘经理" in detail.text
    client.post(reverse("finance:expense", args=[expense.pk]), {"action": "post"})
    expense.refresh_from_db()
    assert expense.status == "posted"


@time_machine.travel(NOW, tick=False)
def test_expense_without_receipt_shows_the_error(client, finance, books):
    client.force_login(finance)
    answer = client.post(
        reverse("finance:expense_new"),
        {
            "category": "6403",
            "payee": "上海绿之源园林绿化有限公司",
            "amount": "78.00",
            "spent_on": str(TODAY),
            "description": "修剪",
            "method": "1002",
        },
    )
    assert answer.status_code == 400 and "必须上传票据" in answer.text and not Expense.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_owner_sees_his_fund_statement_not_the_staff_pages(client, owner, finance, books, homes):
    fund.collect_initial(books, actor=finance, rate="50", deposited_on=TODAY, now=NOW)
    client.force_login(owner)
    mine = client.get(reverse("finance:my_fund"))
    assert mine.status_code == 200 and "¥4,475.00" in mine.text and homes[1].label not in mine.text
    assert client.get(reverse("finance:fund")).status_code == 302
    assert client.get(reverse("finance:expense_list")).status_code == 403
    assert client.get(reverse("finance:fund_unit", args=[homes[1].pk])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_tenant_does_not_see_the_landlords_fund(client, owner, resident, finance, books, homes):
    """The maintenance fund is the owners' money: the tenant living in the home sees its bills
    (he may pay them) but not the fund's balance or movements."""
    fund.collect_initial(books, actor=finance, rate="50", deposited_on=TODAY, now=NOW)
    client.force_login(resident)
    mine = client.get(reverse("finance:my_fund"))
    assert mine.status_code == 200 and "¥4,475.00" not in mine.text and 'data-testid="no-fund"' in mine.text
    assert client.get(reverse("finance:fund_unit", args=[homes[0].pk])).status_code == 404
    assert client.get(reverse("finance:my_bills")).status_code == 200
    client.force_login(owner)
    assert "¥4,475.00" in client.get(reverse("finance:fund_unit", args=[homes[0].pk])).text


@time_machine.travel(NOW, tick=False)
def test_fund_home_initial_collection_and_emergency_use_form(
    client, finance, manager, committee, books, homes, building
):
    client.force_login(finance)
    answer = client.post(
        reverse("finance:fund"),
        {
            "rate": "50",
            "deposited_on": str(TODAY),
            "scope": "building",
            "buildings": [str(building.pk)],
            "method": "1002",
        },
    )
    assert answer.status_code == 302
    page = client.get(reverse("finance:fund"))
    assert "13492.00" in page.text
    answer = client.post(
        reverse("finance:fund_use_new"),
        {
            "title": "消防泵抢修",
            "contractor": "上海消防设备工程有限公司",
            "amount": "600.00",
            "used_on": str(TODAY),
            "basis": "emergency",
            "emergency_reason": "消防泵烧毁",
            "scope": "units",
            "units": ",".join(str(h.pk) for h in homes),
            "method": "1002",
            "documents": [image()],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    client.force_login(manager)
    detail = client.get(answer.url)
    assert 'data-testid="approve-use"' in detail.text
    client.post(answer.url)
    client.force_login(committee)
    client.post(answer.url)
    client.force_login(finance)
    assert "已列支" in client.get(answer.url).text
    assert fund.fund_summary(books)["balance"] == Decimal("12892.00")


def test_thresholds_form_for_the_manager(client, manager, committee, books):
    from sunlit.governance.controls.models import ControlChange

    client.force_login(manager)
    # lowering takes effect at once
    answer = client.post(
        reverse("finance:expense_list"), {"dual_approval_above": "4000", "receipt_required_above": "0"}
    )
    assert answer.status_code == 302
    assert expenses.policy_of(books).dual_approval_above == Decimal("4000.00")
    # raising without a reason: the form says why, nothing changes
    answer = client.post(
        reverse("finance:expense_list"), {"dual_approval_above": "10000", "receipt_required_above": "100"}
    )
    assert answer.status_code == 200 and "请填写理由" in answer.text
    assert ControlChange.objects.filter(status="pending").count() == 0
    # with a reason it becomes a proposal to the committee
    answer = client.post(
        reverse("finance:expense_list"),
        {"dual_approval_above": "10000", "receipt_required_above": "100", "reason": "小额维修频繁"},
        follow=True,
    )
    assert "已提交业委会确认" in answer.text and "待业委会确认" in answer.text
    assert expenses.policy_of(books).dual_approval_above == Decimal("4000.00")
    change = ControlChange.objects.get(status="pending")
    # the committee member confirms on the change's page; the page shows who did what
    client.force_login(committee)
    client.post(reverse("governance:control_action", args=[change.pk, "confirm"]))
    assert expenses.policy_of(books).dual_approval_above == Decimal("10000.00")
    page = client.get(reverse("finance:expense_list")).text
    assert "刘经理" in page and "已生效" in page


@time_machine.travel(NOW, tick=False)
def test_staff_record_a_deposit_on_the_unit_page(client, finance, owner, books, homes):
    client.force_login(finance)
    url = reverse("finance:fund_unit", args=[homes[0].pk])
    bad = client.post(url, {"amount": "-5", "deposited_on": str(TODAY), "method": "1002"})
    assert bad.status_code == 400 and "负数" in bad.text
    assert (
        client.post(url, {"amount": "500", "deposited_on": str(TODAY), "method": "1002"}).status_code == 302
    )
    assert "¥500.00" in client.get(url).text
    client.force_login(owner)
    page = client.get(url)
    assert "¥500.00" in page.text and "登记补交" not in page.text
    assert client.post(url, {"amount": "1", "deposited_on": str(TODAY), "method": "1002"}).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_owners_open_receipts_of_paid_expenses_only(
    client, finance, manager, owner, books, receipt, owner_other_community
):
    draft = expenses.create_expense(
        books,
        actor=finance,
        category="6405",
        payee="某维修公司",
        amount="50.00",
        spent_on=TODAY,
        description="x",
        receipts=[receipt(finance)],
        now=NOW,
    )
    paid = expenses.create_expense(
        books,
        actor=finance,
        category="6405",
        payee="某维修公司",
        amount="60.00",
        spent_on=TODAY,
        description="y",
        receipts=[receipt(finance)],
        submit=True,
        now=NOW,
    )
    expenses.approve_expense(paid, actor=manager, now=NOW)
    expenses.post_expense(paid, actor=finance, now=NOW)
    client.force_login(owner)
    assert client.get(reverse("finance:money_file", args=[paid.receipts.get().pk])).status_code == 200
    assert client.get(reverse("finance:money_file", args=[draft.receipts.get().pk])).status_code == 404
    client.force_login(owner_other_community)
    assert client.get(reverse("finance:money_file", args=[paid.receipts.get().pk])).status_code == 404
