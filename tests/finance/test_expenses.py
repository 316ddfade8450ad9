"""Public income and expenses: receipts, the approval rules, posting, bad input, tenant scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sunlit.finance.books import ledger
from sunlit.finance.expenses import services as expenses
from sunlit.finance.expenses.choices import ExpenseStatus
from sunlit.finance.models import Expense, ExpenseStep, JournalEntry, PublicIncome
from sunlit.transparency.models import LogLeaf
from tests.finance.conftest import NOW
from tests.finance.money_fixtures import TODAY, storage_dir  # noqa: F401

D = Decimal


def leaves(kind: str) -> list[dict]:
    import json

    return [json.loads(x.data) for x in LogLeaf.objects.filter(event_type=kind).order_by("index")]


@pytest.fixture
def income(books, finance, receipt):
    return expenses.record_public_income(
        books, actor=finance, category="advertising", payer="上海分众传媒有限公司", amount="12000.00",
        received_on=TODAY, receipts=[receipt(finance)], now=NOW)


def make_expense(community, finance, receipt, amount="800.00", category="6405", **kw):
    return expenses.create_expense(community, actor=finance, category=category,
                                   payee="上海申安电梯维保有限公司",
                                   amount=amount, spent_on=TODAY, description="更换 3 号楼门禁控制器",
                                   receipts=[receipt(finance)], submit=True, now=NOW, **kw)


def test_public_income_posts_to_2243_with_receipt_hashes_on_the_log(income, books):
    assert income.number.startswith("GS-202601-")
    balances = ledger.balances(books)
    assert balances["2243"]["balance"] == D("12000.00") and balances["1002"]["balance"] == D("12000.00")
    event = leaves("finance.public_income.recorded")[-1]
    assert event["public"]["receipts"] == [income.receipts.get().sha256]
    assert event["public"]["payer"] == "上海分众传媒有限公司"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("amount", "-1", "负数"), ("amount", "abc", "数字"), ("amount", "1.001", "两位小数"),
    ("amount", 12.5, "精确"), ("amount", "0", "大于零"), ("payer", "张三 13812345678", "单位名称"),
    ("category", "lottery", "类别"),
])
def test_public_income_bad_input_is_refused_and_nothing_written(books, finance, receipt, field, value,
                                                                 message):
    data = {"category": "venue", "payer": "明强便利店", "amount": "100.00"} | {field: value}
    with pytest.raises(ValidationError) as exc:
        expenses.record_public_income(books, actor=finance, received_on=TODAY,
                                      receipts=[receipt(finance)], now=NOW, **data)
    assert message in " ".join(exc.value.message_dict[field])
    assert not PublicIncome.objects.exists() and not JournalEntry.objects.exists()


def test_non_cny_and_missing_receipt_refused(books, finance, receipt):
    with pytest.raises(ValidationError) as exc:
        expenses.record_public_income(books, actor=finance, category="venue", payer="明强便利店",
                                      amount="100.00", received_on=TODAY, currency="USD", now=NOW)
    assert "人民币" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        expenses.record_public_income(books, actor=finance, category="venue", payer="明强便利店",
                                      amount="100.00", received_on=TODAY, now=NOW)
    assert "必须上传票据" in exc.value.message_dict["receipts"][0]
    assert not PublicIncome.objects.exists()


def test_expense_without_receipt_above_threshold_refused(books, finance, committee):
    expenses.update_money_policy(books, actor=committee, receipt_required_above="200.00")
    with pytest.raises(ValidationError) as exc:
        expenses.create_expense(books, actor=finance, category="6402", payee="洁美保洁服务有限公司",
                                amount="200.01", spent_on=TODAY, description="外墙清洗", now=NOW)
    assert "必须上传票据" in exc.value.message_dict["receipts"][0]
    small = expenses.create_expense(books, actor=finance, category="6402", payee="洁美保洁服务有限公司",
                                    amount="200.00", spent_on=TODAY, description="垃圾袋", now=NOW)
    assert small.status == ExpenseStatus.DRAFT and not small.receipts.exists()


def test_manager_alone_approves_below_threshold_then_finance_pays(books, finance, manager, receipt):
    expense = make_expense(books, finance, receipt, amount="5000.00")
    assert expense.status == ExpenseStatus.SUBMITTED and not expense.needs_committee
    expense = expenses.approve_expense(expense, actor=manager, now=NOW)
    assert expense.status == ExpenseStatus.APPROVED
    expense = expenses.post_expense(expense, actor=finance, now=NOW)
    assert expense.status == ExpenseStatus.POSTED and expense.entry.total == D("5000.00")
    assert ledger.balances(books)["6405"]["balance"] == D("5000.00")
    posted = leaves("finance.expense.posted")[-1]["public"]
    assert posted["approvers"][0]["name"] == "刘经理" and posted["approvers"][0]["role"] == "项目经理"
    assert posted["receipts"] == [expense.receipts.get().sha256]


def test_above_threshold_needs_manager_and_committee(books, finance, manager, committee, receipt):
    expense = make_expense(books, finance, receipt, amount="5000.01")
    assert expense.needs_committee
    expense = expenses.approve_expense(expense, actor=manager, now=NOW)
    assert expense.status == ExpenseStatus.SUBMITTED
    with pytest.raises(ValidationError):
        expenses.post_expense(expense, actor=finance, now=NOW)
    expense = expenses.approve_expense(expense, actor=committee, note="已核对报价", now=NOW)
    assert expense.status == ExpenseStatus.APPROVED
    sides = [a["side"] for a in leaves("finance.expense.approved")[-1]["public"]["approvers"]]
    assert sides == ["manager", "committee"]


def test_same_person_twice_and_same_side_twice_refused(books, finance, manager, second_manager, receipt):
    expense = make_expense(books, finance, receipt, amount="9000.00")
    expenses.approve_expense(expense, actor=manager, now=NOW)
    with pytest.raises(ValidationError, match="重复审批"):
        expenses.approve_expense(expense, actor=manager, now=NOW)
    with pytest.raises(ValidationError, match="已经审批过"):
        expenses.approve_expense(expense, actor=second_manager, now=NOW)
    assert ExpenseStep.objects.filter(action="approved").count() == 1


def test_committee_alone_cannot_approve_a_small_expense(books, finance, committee, receipt):
    expense = make_expense(books, finance, receipt, amount="100.00")
    with pytest.raises(ValidationError, match="由项目经理审批"):
        expenses.approve_expense(expense, actor=committee, now=NOW)


def test_committee_member_of_another_community_refused(books, finance, manager, receipt,
                                                       committee_other_community):
    expense = make_expense(books, finance, receipt, amount="9000.00")
    expenses.approve_expense(expense, actor=manager, now=NOW)
    with pytest.raises(PermissionDenied):
        expenses.approve_expense(expense, actor=committee_other_community, now=NOW)
    expense.refresh_from_db()
    assert expense.status == ExpenseStatus.SUBMITTED


def test_the_submitter_cannot_approve_his_own_expense(books, manager, receipt):
    expense = make_expense(books, manager, receipt, amount="100.00")
    with pytest.raises(ValidationError, match="经办人"):
        expenses.approve_expense(expense, actor=manager, now=NOW)


def test_reject_keeps_the_reason_and_blocks_approval(books, finance, manager, receipt):
    expense = make_expense(books, finance, receipt)
    with pytest.raises(ValidationError):
        expenses.reject_expense(expense, actor=manager, reason=" ", now=NOW)
    expense = expenses.reject_expense(expense, actor=manager, reason="报价高于市场价", now=NOW)
    assert expense.status == ExpenseStatus.REJECTED and expense.reject_reason == "报价高于市场价"
    with pytest.raises(ValidationError):
        expenses.approve_expense(expense, actor=manager, now=NOW)
    assert leaves("finance.expense.rejected")[-1]["public"]["reason"] == "报价高于市场价"


def test_spending_public_income_cannot_overdraw_2243(books, finance, manager, committee, income, receipt):
    expense = make_expense(books, finance, receipt, amount="12000.01", category="2243")
    for actor in (manager, committee):
        expenses.approve_expense(expense, actor=actor, now=NOW)
    with pytest.raises(ValidationError, match="公共收益余额"):
        expenses.post_expense(expense, actor=finance, now=NOW)
    ok = make_expense(books, finance, receipt, amount="3000.00", category="2243")
    expenses.approve_expense(ok, actor=manager, now=NOW)
    expenses.post_expense(ok, actor=finance, now=NOW)
    assert ledger.balances(books)["2243"]["balance"] == D("9000.00")
    assert ledger.trial_balance_ok(books)


def test_receipts_of_another_user_or_community_or_reused_refused(books, finance, manager, receipt,
                                                                  other_community, make_member):
    from sunlit.core.choices import Role

    foreign_finance = make_member(Role.FINANCE, other_community, username="f2")
    theirs = receipt(foreign_finance, other_community)
    for bad in ([theirs], [receipt(manager)]):
        with pytest.raises(ValidationError, match="本人在本小区"):
            expenses.create_expense(
                books, actor=finance, category="6405", payee="某公司", amount="10.00", spent_on=TODAY,
                description="x", receipts=bad, now=NOW)
    used = make_expense(books, finance, receipt).receipts.get()
    with pytest.raises(ValidationError, match="已用于"):
        expenses.create_expense(books, actor=finance, category="6405", payee="某公司", amount="10.00",
                                spent_on=TODAY, description="x", receipts=[used], now=NOW)


def test_owner_and_auditor_cannot_record_or_approve(books, owner, auditor, finance, receipt):
    for actor in (owner, auditor):
        with pytest.raises(PermissionDenied):
            expenses.create_expense(books, actor=actor, category="6405", payee="某公司", amount="10.00",
                                    spent_on=TODAY, description="x", now=NOW)
    expense = make_expense(books, finance, receipt)
    with pytest.raises(PermissionDenied):
        expenses.approve_expense(expense, actor=owner, now=NOW)


def test_idempotency_key_returns_the_first_expense(books, finance, receipt):
    first = make_expense(books, finance, receipt, idempotency_key="k-1")
    again = expenses.create_expense(books, actor=finance, category="6405", payee="x公司", amount="1.00",
                                    spent_on=TODAY, description="y", idempotency_key="k-1", now=NOW)
    assert again.pk == first.pk and Expense.objects.count() == 1


def test_thresholds_change_through_the_policy_and_are_logged(books, manager, finance, committee):
    with pytest.raises(PermissionDenied):
        expenses.update_money_policy(books, actor=finance, dual_approval_above="100")
    with pytest.raises(ValidationError):
        expenses.update_money_policy(books, actor=manager, dual_approval_above="1.001")
    # lowering (more expenses go to the committee) is open to the manager ...
    policy = expenses.update_money_policy(books, actor=manager, dual_approval_above="2000")
    assert policy.dual_approval_above == D("2000.00")
    assert leaves("finance.policy.changed")[-1]["public"]["changes"]["dual_approval_above"] == [
        "5000.00", "2000.00"]
    # ... raising it again is the committee's
    policy = expenses.update_money_policy(books, actor=committee, dual_approval_above="20000")
    assert policy.dual_approval_above == D("20000.00")
    assert len(leaves("finance.policy.changed")) == 2


# --- the thresholds are an owner-side control (docs/security.md, rule b) -----------------------------


@pytest.fixture
def dual(make_member, community):
    """A committee member who also holds a company role: he approves for the company only."""
    from sunlit.core.choices import Role
    from tests.factories import MembershipFactory

    user = make_member(Role.COMMITTEE, username="dual", display_name="兼职经理")
    MembershipFactory(user=user, community=community, role=Role.MANAGER)
    return user


def snapshot(books):
    from sunlit.core.models import AuditEvent
    from sunlit.governance.controls.models import ControlChange
    from sunlit.notices.models import Notification

    policy = expenses.policy_of(books)
    return (policy.dual_approval_above, policy.receipt_required_above, LogLeaf.objects.count(),
            ControlChange.objects.count(), Notification.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("raised", [{"dual_approval_above": "100000"},
                                    {"receipt_required_above": "500"},
                                    {"dual_approval_above": "4000", "receipt_required_above": "1"}])
def test_the_company_cannot_raise_a_threshold_alone(books, manager, company_admin, dual, raised):
    before = snapshot(books)
    for who in (manager, company_admin, dual):
        with pytest.raises(PermissionDenied) as exc:
            expenses.update_money_policy(books, actor=who, **raised)
        assert "由业委会决定" in str(exc.value)
    assert snapshot(books) == before


def test_the_reproduced_attack_raise_then_approve_80000_alone(books, finance, manager, committee,
                                                               receipt):
    """The manager raised the dual-approval threshold and approved 80,000 alone: now the raise
    is only a proposal, and the expense still needs a committee member."""
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind, ControlStatus

    change = controls.request_change(books, ControlKind.MONEY_POLICY,
                                     {"dual_approval_above": "100000"}, actor=manager,
                                     reason="审批太慢", now=NOW)
    assert change.status == ControlStatus.PENDING
    assert expenses.policy_of(books).dual_approval_above == D("5000.00")
    expense = make_expense(books, finance, receipt, amount="80000.00")
    assert expense.needs_committee
    expense = expenses.approve_expense(expense, actor=manager, now=NOW)
    assert expense.status == ExpenseStatus.SUBMITTED  # waits for the committee
    with pytest.raises(ValidationError):
        expenses.post_expense(expense, actor=manager, now=NOW)
    assert Expense.objects.get(pk=expense.pk).entry_id is None
    # the committee refuses the raise; the threshold stays
    controls.reject_change(change, actor=committee, reason="大额支出须业委会共同审批", now=NOW)
    assert expenses.policy_of(books).dual_approval_above == D("5000.00")


def test_a_confirmed_raise_takes_effect_and_shows_who_proposed_and_confirmed(books, manager,
                                                                           committee):
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind

    change = controls.request_change(books, ControlKind.MONEY_POLICY,
                                     {"dual_approval_above": "8000", "receipt_required_above": "0"},
                                     actor=manager, reason="小额维修频繁", now=NOW)
    assert change.params == {"dual_approval_above": "8000.00"}  # only what changes
    assert change.summary == "需业委会共同审批的支出金额 5000.00 → 8000.00 元"
    controls.confirm_change(change, actor=committee, now=NOW)
    change.refresh_from_db()
    assert expenses.policy_of(books).dual_approval_above == D("8000.00")
    assert (change.proposed_by, change.decided_by) == (manager, committee)
    assert leaves("finance.policy.changed")[-1]["public"]["changes"]["dual_approval_above"] == [
        "5000.00", "8000.00"]


def test_the_charges_terms_cannot_touch_the_thresholds(books, manager):
    """``finance.services.update_policy`` (收费约定, finance.manage) no longer takes them."""
    from sunlit.finance.billing import services

    with pytest.raises(TypeError):
        services.update_policy(books, actor=manager, dual_approval_above="999999")
    assert expenses.policy_of(books).dual_approval_above == D("5000.00")


def test_a_committee_member_with_a_company_role_approves_for_the_company_only(
        books, finance, dual, manager, committee, receipt):
    expense = make_expense(books, finance, receipt, amount="9000.00")
    expense = expenses.approve_expense(expense, actor=dual, now=NOW)
    assert [s.side for s in expense.steps.filter(action="approved")] == ["manager"]
    with pytest.raises(ValidationError):  # the company's side has approved
        expenses.approve_expense(expense, actor=manager, now=NOW)
    expense = expenses.approve_expense(expense, actor=committee, now=NOW)
    assert expense.status == ExpenseStatus.APPROVED


def test_receipts_are_found_behind_their_journal_entries(books, finance, manager, income, receipt):
    from sunlit.finance.books import documents

    expense = make_expense(books, finance, receipt, amount="100.00")
    expenses.approve_expense(expense, actor=manager, now=NOW)
    expense = expenses.post_expense(expense, actor=finance, now=NOW)
    found = documents.documents_for([income.entry_id, expense.entry_id])
    assert found[income.entry_id][0].sha256 == income.receipts.get().sha256
    assert found[expense.entry_id][0].sha256 == expense.receipts.get().sha256
    assert found[expense.entry_id][0].url.startswith("/finance/money/files/")


def test_reading_the_thresholds_writes_nothing(client, community, finance):
    """Issue 13: no writes on GET — the thresholds page and API read the defaults until someone
    sets them; the row is written only by the service that changes them."""
    from sunlit.finance.models import FinancePolicy

    FinancePolicy.objects.filter(community=community).delete()
    client.force_login(finance)
    assert client.get(reverse("finance:expense_list")).status_code == 200
    answer = client.get(f"/api/v1/finance/communities/{community.pk}/money-policy")
    assert answer.status_code == 200 and answer.json()["dual_approval_above"]
    assert not FinancePolicy.objects.filter(community=community).exists()
