"""Public income — 公共收益 — and expenses — 支出 — with receipts and approval.

Public income (advertising, venue and parking rent, lockers and chargers) belongs to the owners
(Civil Code art. 282): it is posted debit bank/cash, credit 2243 公共收益（业主共有）. Spending
it is an expense of category "从公共收益列支" (debit 2243); the other categories are the
company's own costs (6401–6407, 6602).

An expense goes ``draft → submitted → approved → posted`` (or ``rejected`` with the reason):

* a receipt image is required when the amount is above the community's
  ``FinancePolicy.receipt_required_above`` (default 0.00: always);
* submitting fixes ``needs_committee``: above ``FinancePolicy.dual_approval_above`` (default
  5,000.00 元) the manager AND an owners'-committee member must approve, two different
  people; at or below it the manager alone;
* the person who drafted or submitted an expense cannot approve it;
* posting pays it through ``ledger.post_entries`` (debit the category's account, credit bank
  or cash); spending public income cannot exceed what 2243 holds.

Approvers are named with their role on the log (``finance.expense.approved`` / ``.posted``):
approving public money is a public responsibility. Receipts go on the log by SHA-256.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as _noop

from sunlit.core import audit, sides, uploads
from sunlit.core.choices import Role
from sunlit.core.idempotency import clean_service_key, replayed
from sunlit.core.locking import locked, status_error
from sunlit.core.models import AuditEvent, Community, Upload, User
from sunlit.core.permissions import require, roles_in
from sunlit.core.validators import clean_prose
from sunlit.finance.billing.selectors import policy_of
from sunlit.finance.books import ledger, money
from sunlit.finance.books.choices import EntrySource
from sunlit.finance.expenses.choices import (
    ApproverSide,
    ExpenseAction,
    ExpenseCategory,
    ExpenseStatus,
    MoneyMethod,
    PublicIncomeCategory,
)
from sunlit.finance.models import Expense, ExpenseStep, FinancePolicy, PublicIncome
from sunlit.transparency import services as log

PUBLIC_INCOME = "2243"
MAX_RECEIPTS = 9
COMPANY_ROLES = frozenset({Role.MANAGER, Role.COMPANY_ADMIN})
# A run of seven digits or more is a phone or ID number: payers and payees are companies.
_PERSONAL_NUMBER = re.compile(r"\d{7,}")


def actor_name(user: User | None) -> str:
    return (str(user) if user is not None else "")[:50]


# --- shared checks ---------------------------------------------------------------------------------


def clean_amount(value, errors: dict, *, currency: str = money.CURRENCY, field: str = "amount"):
    try:
        return money.parse_money(value, currency=currency)
    except money.MoneyError as exc:
        errors[field] = [str(exc)]
        return None


def clean_company(value, errors: dict, field: str, label: str) -> str:
    text = clean_prose(value or "")
    if not text:
        errors[field] = [_("请填写%(what)s") % {"what": label}]
    elif len(text) > 100:
        errors[field] = [_("%(what)s最多 100 个字") % {"what": label}]
    elif _PERSONAL_NUMBER.search(text):
        errors[field] = [_("%(what)s应为单位名称，不能填写电话或证件号码") % {"what": label}]
    return text


def clean_date(value, errors: dict, field: str, today: dt.date) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[field] = [_("日期无效")]
    elif value > today:
        errors[field] = [_("日期不能晚于今天")]


def receipt_errors(community: Community, actor: User, receipts, *, amount, required: bool,
                   field: str = "receipts",
                   purpose: uploads.Purpose = uploads.MONEY_RECEIPT) -> tuple[list[Upload], dict]:
    """The receipts as a list, or the field's errors: uploads the actor may attach
    (``core.uploads.attach_errors``: his own images in this community, not used by another
    record), at most ``MAX_RECEIPTS``; at least one when ``required``."""
    if isinstance(receipts, (str, bytes)) or not isinstance(receipts, Sequence):
        return [], {field: [_("票据参数无效")]}
    receipts = list(receipts)
    if len(receipts) > MAX_RECEIPTS:
        return [], {field: [_("最多附 %(n)d 张票据") % {"n": MAX_RECEIPTS}]}
    if problems := uploads.attach_errors(actor, receipts, community=community, purpose=purpose):
        return [], {field: problems}
    if required and not receipts:
        return [], {field: [_("金额超过 %(n)s 元，必须上传票据图片") % {"n": amount}]}
    return receipts, {}


def needs_receipt(community, amount: Decimal | None) -> tuple[bool, Decimal]:
    threshold = policy_of(community).receipt_required_above
    return amount is not None and amount > threshold, threshold


def _hashes(uploads) -> list[str]:
    return [u.sha256 for u in uploads]


# --- public income --------------------------------------------------------------------------------


@transaction.atomic
def record_public_income(community: Community, *, actor: User, category: str, payer: str, amount,
                         received_on: dt.date, method: str = MoneyMethod.BANK, description: str = "",
                         receipts: Sequence[Upload] = (), currency: str = money.CURRENCY,
                         idempotency_key: str = "", now: dt.datetime | None = None) -> PublicIncome:
    """公共收益入账: money from a company for the use of the owners' common parts, with the
    contract or receipt images; posted debit bank/cash, credit 2243 and put on the log."""
    require(actor, "finance.money.record", community=community)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    key = clean_service_key(idempotency_key, errors)
    if key and not errors:
        existing = replayed(PublicIncome.objects.filter(community=community), key)
        if existing is not None:
            return existing
    if category not in PublicIncomeCategory.values:
        errors["category"] = [_("请选择收益类别")]
    payer = clean_company(payer, errors, "payer", _("付款单位"))
    amount = clean_amount(amount, errors, currency=currency)
    clean_date(received_on, errors, "received_on", timezone.localdate(now))
    if method not in MoneyMethod.values:
        errors["method"] = [_("请选择收款账户")]
    description = clean_prose(description or "")
    if len(description) > 200:
        errors["description"] = [_("说明最多 200 个字")]
    required, threshold = needs_receipt(community, amount)
    receipts, receipt_problems = receipt_errors(community, actor, receipts, amount=threshold,
                                                required=required)
    errors.update(receipt_problems)
    if errors:
        raise ValidationError(errors)
    number = ledger.reserve_numbers(community, f"GS-{received_on:%Y%m}", 1)[0]
    label = PublicIncomeCategory(category).label
    entry = ledger.post_entry(community, ledger.EntrySpec(
        received_on, EntrySource.PUBLIC_INCOME, f"公共收益 {label} {payer} {number}", [
            ledger.Line(method, debit=amount, memo=number),
            ledger.Line(PUBLIC_INCOME, credit=amount, memo=str(label))]), actor=actor, time=now)
    income = PublicIncome.objects.create(
        community=community, number=number, category=category, payer=payer, amount=amount,
        received_on=received_on, method=method, description=description, entry=entry,
        recorded_by=actor, recorded_at=now, idempotency_key=key)
    income.receipts.set(receipts)
    log.record(community, "finance.public_income.recorded", income, time=now, public={
        "number": number, "category": category, "payer": payer, "amount": amount,
        "received_on": received_on, "receipts": _hashes(receipts), "entry": entry.number})
    audit.record(AuditEvent.Action.CREATE, income, actor=actor,
                 summary=f"公共收益 {label} {payer} {money.text(amount)} 元")
    return income


# --- expenses ---------------------------------------------------------------------------------------


def _step(expense: Expense, action: str, actor: User, *, side: str = "", note: str = "",
          now: dt.datetime) -> ExpenseStep:
    return ExpenseStep.objects.create(community_id=expense.community_id, expense=expense,
                                      action=action, side=side, actor=actor,
                                      actor_name=actor_name(actor), note=note[:200], at=now)


@transaction.atomic
def create_expense(community: Community, *, actor: User, category: str, payee: str, amount,
                   spent_on: dt.date, description: str, method: str = MoneyMethod.BANK,
                   receipts: Sequence[Upload] = (), submit: bool = False,
                   currency: str = money.CURRENCY, idempotency_key: str = "",
                   now: dt.datetime | None = None) -> Expense:
    """登记支出 (a draft; ``submit=True`` submits it at once). A receipt image is required above
    the community's ``receipt_required_above``."""
    require(actor, "finance.money.record", community=community)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    key = clean_service_key(idempotency_key, errors)
    if key and not errors:
        existing = replayed(Expense.objects.filter(community=community), key)
        if existing is not None:
            return existing
    if category not in ExpenseCategory.values:
        errors["category"] = [_("请选择支出类别")]
    payee = clean_company(payee, errors, "payee", _("收款单位"))
    amount = clean_amount(amount, errors, currency=currency)
    clean_date(spent_on, errors, "spent_on", timezone.localdate(now))
    if method not in MoneyMethod.values:
        errors["method"] = [_("请选择付款账户")]
    description = clean_prose(description or "")
    if not description:
        errors["description"] = [_("请填写用途说明")]
    elif len(description) > 500:
        errors["description"] = [_("用途说明最多 500 个字")]
    required, threshold = needs_receipt(community, amount)
    receipts, receipt_problems = receipt_errors(community, actor, receipts, amount=threshold,
                                                required=required)
    errors.update(receipt_problems)
    if errors:
        raise ValidationError(errors)
    number = ledger.reserve_numbers(community, f"ZC-{spent_on:%Y%m}", 1)[0]
    expense = Expense.objects.create(
        community=community, number=number, category=category, payee=payee, amount=amount,
        spent_on=spent_on, description=description, method=method, created_by=actor,
        created_at=now, idempotency_key=key)
    expense.receipts.set(receipts)
    _step(expense, ExpenseAction.CREATED, actor, now=now)
    audit.record(AuditEvent.Action.CREATE, expense, actor=actor,
                 summary=f"支出 {number} {payee} {money.text(amount)} 元")
    if submit:
        expense = submit_expense(expense, actor=actor, now=now)
    return expense


@transaction.atomic
def submit_expense(expense: Expense, *, actor: User, now: dt.datetime | None = None) -> Expense:
    """提交审批: fixes whether the committee must approve too (amount above the threshold)."""
    require(actor, "finance.money.record", community=expense.community_id)
    now = now or timezone.now()
    expense = locked(expense, "community")
    if expense.status != ExpenseStatus.DRAFT:
        raise status_error(expense, _("只有草稿可以提交审批"), what=_("该支出"))
    policy = policy_of(expense.community_id)
    expense.needs_committee = expense.amount > policy.dual_approval_above
    expense.status = ExpenseStatus.SUBMITTED
    expense.save(update_fields=["needs_committee", "status"])
    _step(expense, ExpenseAction.SUBMITTED, actor, now=now,
          note=_("需项目经理与业委会委员共同审批") if expense.needs_committee else _("项目经理审批"))
    return expense


def side_for(expense_or_use, actor: User, *, approved: set[str], needs_committee: bool) -> str:
    """Which side ``actor`` approves for, or a ValidationError/PermissionDenied saying why not."""
    roles = roles_in(actor, expense_or_use.community_id)
    # a committee member who also holds a company role approves for the company only
    is_company = bool(roles & COMPANY_ROLES)
    is_committee = sides.is_committee_member(actor, expense_or_use.community_id)
    if not (is_company or is_committee):
        raise PermissionDenied(_("只有项目经理或业委会委员可以审批"))
    if is_company and ApproverSide.MANAGER not in approved:
        return ApproverSide.MANAGER
    if is_committee and needs_committee and ApproverSide.COMMITTEE not in approved:
        return ApproverSide.COMMITTEE
    if is_committee and not needs_committee and not is_company:
        raise ValidationError({"approver": [_("该笔金额未超过业委会共同审批金额，由项目经理审批")]})
    raise ValidationError({"approver": [_("您所代表的一方已经审批过")]})


def approver_entry(side: str, name: str, at: dt.datetime) -> dict:
    """An approver as the log shows him: role and time; the manager (staff, in office) by name;
    a committee member is an owner, so his name goes only into the event's commitments."""
    row = {"role": str(ApproverSide(side).label), "side": side,
           "at": timezone.localtime(at).isoformat(timespec="seconds")}
    if side == ApproverSide.MANAGER:
        row["name"] = name
    return row


def approvers(expense: Expense) -> list[dict]:
    return [approver_entry(s.side, s.actor_name, s.at)
            for s in expense.steps.filter(action=ExpenseAction.APPROVED).order_by("at", "id")]


def committee_private(expense: Expense) -> dict:
    step = expense.steps.filter(action=ExpenseAction.APPROVED, side=ApproverSide.COMMITTEE).first()
    return {"committee_approver": step.actor_name} if step else {}


def _public(expense: Expense) -> dict:
    return {"number": expense.number, "category": str(ExpenseCategory(expense.category).label),
            "account": expense.category, "payee": expense.payee, "amount": expense.amount,
            "approvers": approvers(expense), "receipts": _hashes(expense.receipts.order_by("id"))}


@transaction.atomic
def approve_expense(expense: Expense, *, actor: User, note: str = "",
                    now: dt.datetime | None = None) -> Expense:
    """审批同意 for one side. The manager alone at or below the threshold; above it the manager
    and a committee member, two different people, neither the one who drafted or submitted it.
    When every side has approved the expense is ``approved`` (on the log with the approvers)."""
    require(actor, "finance.money.approve", community=expense.community_id)
    now = now or timezone.now()
    expense = locked(expense, "community")
    if expense.status != ExpenseStatus.SUBMITTED:
        raise status_error(expense, _("只有待审批的支出可以审批"), what=_("该支出"))
    steps = list(expense.steps.all())
    if any(s.actor_id == actor.pk and s.action in (ExpenseAction.CREATED, ExpenseAction.SUBMITTED)
           for s in steps):
        raise ValidationError({"approver": [_("经办人不能审批自己登记或提交的支出")]})
    if any(s.actor_id == actor.pk and s.action == ExpenseAction.APPROVED for s in steps):
        raise ValidationError({"approver": [_("同一人不能重复审批")]})
    approved = {s.side for s in steps if s.action == ExpenseAction.APPROVED}
    side = side_for(expense, actor, approved=approved, needs_committee=expense.needs_committee)
    try:
        with transaction.atomic():
            _step(expense, ExpenseAction.APPROVED, actor, side=side, note=clean_prose(note or ""),
                  now=now)
    except IntegrityError:
        raise ValidationError({"approver": [_("同一人或同一方不能重复审批")]}) from None
    approved.add(side)
    if set(expense.sides_needed) <= approved:
        expense.status = ExpenseStatus.APPROVED
        expense.save(update_fields=["status"])
        log.record(expense.community, "finance.expense.approved", expense, time=now,
                   public=_public(expense), private=committee_private(expense))
    audit.record(AuditEvent.Action.UPDATE, expense, actor=actor,
                 summary=f"审批同意 {expense.number}（{ApproverSide(side).label}）")
    return expense


@transaction.atomic
def reject_expense(expense: Expense, *, actor: User, reason: str,
                   now: dt.datetime | None = None) -> Expense:
    """驳回: the manager or (for an expense that needs it) a committee member refuses it; the
    reason is kept and on the log. A rejected expense stays as it is (a new one may be made)."""
    require(actor, "finance.money.approve", community=expense.community_id)
    now = now or timezone.now()
    reason = clean_prose(reason or "")
    if not reason:
        raise ValidationError({"reason": [_("请填写驳回原因")]})
    if len(reason) > 200:
        raise ValidationError({"reason": [_("驳回原因最多 200 个字")]})
    expense = locked(expense, "community")
    if expense.status != ExpenseStatus.SUBMITTED:
        raise status_error(expense, _("只有待审批的支出可以驳回"), what=_("该支出"))
    roles = roles_in(actor, expense.community_id)
    committee = sides.is_committee_member(actor, expense.community_id)
    if not roles & COMPANY_ROLES and not (committee and expense.needs_committee):
        raise ValidationError({"approver": [_("该笔金额未超过业委会共同审批金额，由项目经理审批")]})
    side = ApproverSide.MANAGER if roles & COMPANY_ROLES else ApproverSide.COMMITTEE
    expense.status, expense.reject_reason = ExpenseStatus.REJECTED, reason
    expense.save(update_fields=["status", "reject_reason"])
    _step(expense, ExpenseAction.REJECTED, actor, side=side, note=reason, now=now)
    log.record(expense.community, "finance.expense.rejected", expense, time=now, public={
        "number": expense.number, "payee": expense.payee, "amount": expense.amount,
        "by": approver_entry(side, actor_name(actor), now), "reason": reason},
        private={"committee_member": actor_name(actor)} if side == ApproverSide.COMMITTEE else {})
    audit.record(AuditEvent.Action.UPDATE, expense, actor=actor, summary=f"驳回 {expense.number}：{reason}")
    return expense


@transaction.atomic
def post_expense(expense: Expense, *, actor: User, date: dt.date | None = None,
                 now: dt.datetime | None = None) -> Expense:
    """支付入账: pays an approved expense — debit its account, credit bank or cash. Spending
    public income may not take 2243 below zero (the owners' money is never overdrawn)."""
    require(actor, "finance.post", community=expense.community_id)
    now = now or timezone.now()
    expense = locked(expense, "community")
    if expense.status != ExpenseStatus.APPROVED:
        raise status_error(expense, _("只有审批通过的支出可以支付入账"), what=_("该支出"))
    community = expense.community
    date = date or timezone.localdate(now)
    if expense.category == ExpenseCategory.PUBLIC_INCOME:
        # The policy row serialises every spending of public income of the community.
        FinancePolicy.objects.select_for_update().filter(community=community).first()
        held = ledger.balances(community)[PUBLIC_INCOME]["balance"]
        if held < expense.amount:
            raise ValidationError({"amount": [_("公共收益余额 %(b)s 元，不足支付 %(a)s 元") % {
                "b": money.text(held), "a": money.text(expense.amount)}]})
    label = ExpenseCategory(expense.category).label
    entry = ledger.post_entry(community, ledger.EntrySpec(
        date, EntrySource.EXPENSE, f"支出 {label} {expense.payee} {expense.number}", [
            ledger.Line(expense.category, debit=expense.amount, memo=expense.number),
            ledger.Line(expense.method, credit=expense.amount, memo=expense.payee[:100])]),
        actor=actor, time=now)
    expense.status, expense.entry = ExpenseStatus.POSTED, entry
    expense.save(update_fields=["status", "entry"])
    _step(expense, ExpenseAction.POSTED, actor, now=now, note=entry.number)
    log.record(community, "finance.expense.posted", expense, time=now,
               public={**_public(expense), "entry": entry.number}, private=committee_private(expense))
    audit.record(AuditEvent.Action.UPDATE, expense, actor=actor,
                 summary=f"支付入账 {expense.number} {money.text(expense.amount)} 元")
    return expense


# --- terms: the thresholds (an owner-side control, docs/security.md rule b) -------------------------

THRESHOLDS = {"dual_approval_above": _noop("需业委会共同审批的支出金额"),
              "receipt_required_above": _noop("须附票据的金额")}


def _clean_thresholds(values: dict) -> dict[str, Decimal]:
    errors, data = {}, {}
    for name, value in values.items():
        if value is None:
            continue
        try:
            data[name] = money.parse_money(value, allow_zero=True)
        except money.MoneyError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return data


def thresholds_weakened(policy: FinancePolicy, data: dict[str, Decimal]) -> bool:
    """A higher threshold means fewer expenses the committee approves, or fewer receipts."""
    return any(value > getattr(policy, name) for name, value in data.items())


@transaction.atomic
def update_money_policy(community: Community, *, actor: User, dual_approval_above=None,
                        receipt_required_above=None) -> FinancePolicy:
    """The two thresholds of public money — 审批与票据金额 — logged as ``finance.policy.changed``.
    Lowering them (more committee approvals, more receipts) is open to the manager, the company
    and the committee; raising them only to a committee member who holds no company role —
    the company proposes it through ``governance.controls`` and it takes effect when the
    committee confirms."""
    from sunlit.finance.billing import services

    require(actor, "finance.money.policy", community=community)
    data = _clean_thresholds({"dual_approval_above": dual_approval_above,
                              "receipt_required_above": receipt_required_above})
    FinancePolicy.objects.get_or_create(community=community)  # written here, never on a read
    policy = FinancePolicy.objects.select_for_update().get(community=community)
    if thresholds_weakened(policy, data):
        sides.require_committee(actor, community, _("提高需业委会共同审批或须附票据的金额"))
    changes = audit.diff(policy, data)
    if not changes:
        return policy
    for name, value in data.items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    policy.save(update_fields=[*data, "updated_at"])
    log.record(community, "finance.policy.changed", policy,
               public={"terms": services.policy_terms(policy), "changes": changes})
    audit.record(AuditEvent.Action.UPDATE, policy, actor=actor, changes=changes,
                 summary="支出审批与票据金额")
    return policy


def plan_policy_change(community: Community, params: dict, *, now=None):
    """``governance.controls``: what a change of the thresholds would do, and whether it weakens
    the committee's check (either threshold raised)."""
    from sunlit.governance.controls.services import Plan

    unknown = set(params) - set(THRESHOLDS)
    if unknown:
        raise ValidationError({name: [_("不支持修改此项")] for name in sorted(unknown)})
    data = _clean_thresholds(params)
    policy = policy_of(community)
    changed = {k: v for k, v in data.items() if v != getattr(policy, k)}
    summary = "；".join(
        _("%(what)s %(old)s → %(new)s 元") % {"what": _(THRESHOLDS[k]),
                                              "old": money.text(getattr(policy, k)),
                                              "new": money.text(v)} for k, v in changed.items())
    return Plan(params={k: money.text(v) for k, v in changed.items()}, summary=summary,
                weakens=thresholds_weakened(policy, changed), unchanged=not changed)


def apply_policy_change(community: Community, params: dict, *, actor: User, now=None):
    return update_money_policy(community, actor=actor, **params)
