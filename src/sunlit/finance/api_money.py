"""Public-money API under /api/v1/finance/: public income, expenses with their approval flow,
the maintenance fund (deposits, uses, per-household balances and share proofs), the thresholds.

Amounts travel as strings (``"123.40"``) with an optional ``currency`` that must be ``CNY``.
Receipts are uploaded first (``POST /money/receipts``, multipart) and referenced by id.
Lookups are scoped: another community's or another household's ids are 404.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from sunlit.core import uploads
from sunlit.core.api import ERRORS, community_for
from sunlit.core.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.core.models import Upload
from sunlit.finance import access, access_money, expenses, fund, money
from sunlit.finance.choices import (
    ExpenseCategory,
    ExpenseStatus,
    FundBasis,
    FundScope,
    FundUseStatus,
    MoneyMethod,
    PublicIncomeCategory,
)
from sunlit.finance.models import Expense, FundAccount, FundDeposit, FundUse, PublicIncome
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlKind
from sunlit.registry.models import Building, Unit

router = Router(tags=["finance: public money"])

Money = str


class MoneyReceiptOut(Schema):
    id: int
    sha256: str
    url: str


class IncomeIn(Schema):
    category: PublicIncomeCategory
    payer: str = Field(..., max_length=100, description="付款单位（公司名称，不填个人）")
    amount: str = Field(..., examples=["12000.00"])
    currency: str = "CNY"
    received_on: dt.date
    method: MoneyMethod = MoneyMethod.BANK
    description: str = Field("", max_length=200)
    receipt_ids: list[int] = []


class IncomeOut(Schema):
    id: int
    number: str
    category: str
    payer: str
    amount: Money
    received_on: dt.date
    method: str
    description: str
    entry: str
    receipts: list[MoneyReceiptOut]


class ExpenseIn(Schema):
    category: ExpenseCategory = Field(..., description="成本科目 6401–6407/6602，或 2243 从公共收益列支")
    payee: str = Field(..., max_length=100)
    amount: str = Field(..., examples=["800.00"])
    currency: str = "CNY"
    spent_on: dt.date
    description: str = Field(..., max_length=500)
    method: MoneyMethod = MoneyMethod.BANK
    receipt_ids: list[int] = []
    submit: bool = Field(False, description="创建后立即提交审批")


class StepOut(Schema):
    action: str
    side: str
    actor: str
    note: str
    at: dt.datetime


class ExpenseOut(Schema):
    id: int
    number: str
    category: str
    payee: str
    amount: Money
    spent_on: dt.date
    description: str
    method: str
    status: ExpenseStatus
    needs_committee: bool
    reject_reason: str
    entry: str | None
    receipts: list[MoneyReceiptOut]
    steps: list[StepOut]


class ExpenseApprovalIn(Schema):
    note: str = Field("", max_length=200)


class ExpenseReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class PolicyIn(Schema):
    dual_approval_above: str | None = Field(None, description="超过此金额需项目经理与业委会委员共同审批")
    receipt_required_above: str | None = Field(None, description="超过此金额必须附票据（0 为一律需要）")


class PolicyOut(Schema):
    dual_approval_above: Money
    receipt_required_above: Money


class InitialIn(Schema):
    rate: str = Field(..., description="归集标准（元/㎡）", examples=["50.00"])
    deposited_on: dt.date
    scope: FundScope = FundScope.COMMUNITY
    building_ids: list[int] = []
    unit_ids: list[int] = []
    method: MoneyMethod = MoneyMethod.BANK


class DepositRow(Schema):
    unit_id: int
    amount: str


class DepositsIn(Schema):
    deposits: list[DepositRow]
    deposited_on: dt.date
    memo: str = Field("", max_length=100)
    method: MoneyMethod = MoneyMethod.BANK


class DepositOut(Schema):
    id: int
    number: str
    kind: str
    deposited_on: dt.date
    rate: Money | None
    total: Money
    units: int
    split_root: str
    entries: list[str]


class FundUseIn(Schema):
    title: str = Field(..., max_length=100)
    contractor: str = Field(..., max_length=100)
    amount: str
    currency: str = "CNY"
    used_on: dt.date
    basis: FundBasis
    vote_id: int | None = None
    emergency_reason: str = Field("", max_length=500)
    description: str = Field("", max_length=500)
    document_ids: list[int] = []
    scope: FundScope = FundScope.COMMUNITY
    building_ids: list[int] = []
    unit_ids: list[int] = []
    method: MoneyMethod = MoneyMethod.BANK


class FundUseOut(Schema):
    id: int
    number: str
    title: str
    contractor: str
    amount: Money
    used_on: dt.date
    basis: str
    vote_id: int | None
    emergency_reason: str
    status: str
    scope: str
    beneficiaries: int
    area_total: str
    split_root: str
    approvers: list[dict]
    entries: list[str]
    documents: list[MoneyReceiptOut]
    split: list[dict] = Field([], description="每户分摊（仅对有查看权限者）")


class FundSummaryOut(Schema):
    households: int
    balance: Money
    book_balance: Money
    deposited: Money
    used: Money
    pending: int


class MovementOut(Schema):
    entry: str
    date: dt.date
    memo: str
    credit: Money
    debit: Money


class UnitFundOut(Schema):
    unit_id: int
    unit: str
    balance: Money
    movements: list[MovementOut]


class ShareProofOut(Schema):
    row: dict
    canonical: str
    leaf_index: int
    tree_size: int
    split_root: str
    inclusion_proof: list[str]


# --- helpers ------------------------------------------------------------------------------------------


def _receipt_out(upload: Upload) -> dict:
    from django.urls import reverse

    return {"id": upload.pk, "sha256": upload.sha256, "url": reverse("finance:money_file", args=[upload.pk])}


def _uploads(ids: list[int], *, community, user, field: str,
             purpose: uploads.Purpose = uploads.MONEY_RECEIPT) -> list[Upload]:
    return uploads.resolve_uploads(user, ids, community=community, purpose=purpose, field=field)


def _units(ids: list[int], community, field: str = "unit_ids") -> list[Unit]:
    found = {u.pk: u for u in Unit.objects.in_community(community).filter(pk__in=ids)}
    if len(found) != len(set(ids)):
        raise ValidationError({field: ["房屋不属于本小区"]})
    return [found[pk] for pk in dict.fromkeys(ids)]


def _buildings(ids: list[int], community) -> list[Building]:
    found = list(Building.objects.in_community(community).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"building_ids": ["楼栋不属于本小区"]})
    return found


def _income_out(income: PublicIncome) -> dict:
    return {"id": income.pk, "number": income.number, "category": income.category, "payer": income.payer,
            "amount": money.text(income.amount), "received_on": income.received_on,
            "method": income.method, "description": income.description, "entry": income.entry.number,
            "receipts": [_receipt_out(u) for u in income.receipts.all()]}


def _expense_out(expense: Expense) -> dict:
    return {"id": expense.pk, "number": expense.number, "category": expense.category,
            "payee": expense.payee, "amount": money.text(expense.amount), "spent_on": expense.spent_on,
            "description": expense.description, "method": expense.method, "status": expense.status,
            "needs_committee": expense.needs_committee, "reject_reason": expense.reject_reason,
            "entry": expense.entry.number if expense.entry_id else None,
            "receipts": [_receipt_out(u) for u in expense.receipts.all()],
            "steps": [{"action": s.action, "side": s.side, "actor": s.actor_name, "note": s.note, "at": s.at}
                      for s in expense.steps.all()]}


def _deposit_out(deposit: FundDeposit) -> dict:
    return {"id": deposit.pk, "number": deposit.number, "kind": deposit.kind,
            "deposited_on": deposit.deposited_on,
            "rate": None if deposit.rate is None else money.text(deposit.rate),
            "total": money.text(deposit.total), "units": deposit.units, "split_root": deposit.split_root,
            "entries": [e.number for e in deposit.entries.order_by("id")]}


def _use_out(use: FundUse, *, with_split: bool = False) -> dict:
    return {"id": use.pk, "number": use.number, "title": use.title, "contractor": use.contractor,
            "amount": money.text(use.amount), "used_on": use.used_on, "basis": use.basis,
            "vote_id": use.vote_id, "emergency_reason": use.emergency_reason, "status": use.status,
            "scope": use.scope, "beneficiaries": len(use.beneficiaries),
            "area_total": money.text(use.area_total), "split_root": use.split_root,
            "approvers": fund.use_approvers(use), "entries": [e.number for e in use.entries.order_by("id")],
            "documents": [_receipt_out(u) for u in use.documents.all()],
            "split": use.split if with_split else []}


# --- receipts ----------------------------------------------------------------------------------------


@router.post("/money/receipts", response={201: list[MoneyReceiptOut], **ERRORS},
             summary="上传票据图片（multipart，最多 9 张）")
def upload_receipts(request, community_id: Form[int], files: File[list[UploadedFile]]):
    """Checked by content, EXIF/GPS stripped, stored; the ids go into ``receipt_ids`` /
    ``document_ids``. Unused uploads are purged after a day."""
    community = community_for(request, community_id, "finance.money.record")
    stored = uploads.store_images(files, community=community, actor=request.auth,
                                  limit=expenses.MAX_RECEIPTS, field="files")
    return Status(201, [_receipt_out(u) for u in stored])


# --- public income -----------------------------------------------------------------------------------


@router.get("/communities/{community_id}/public-income", response={200: list[IncomeOut], **ERRORS},
            summary="公共收益")
def list_income(request, community_id: int):
    community = community_for(request, community_id, "finance.money.view")
    return [_income_out(i) for i in PublicIncome.objects.in_community(community)
            .select_related("entry").prefetch_related("receipts")[:200]]


@router.post("/communities/{community_id}/public-income", response={201: IncomeOut, **ERRORS},
             summary="公共收益入账")
@idempotent
def record_income(request, community_id: int, payload: IncomeIn,
                  idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    receipts = _uploads(payload.receipt_ids, community=community, user=request.auth, field="receipt_ids")
    income = expenses.record_public_income(
        community, actor=request.auth, category=payload.category.value, payer=payload.payer,
        amount=payload.amount, currency=payload.currency, received_on=payload.received_on,
        method=payload.method.value, description=payload.description, receipts=receipts)
    return Status(201, _income_out(income))


@router.get("/public-income/{income_id}", response={200: IncomeOut, **ERRORS}, summary="公共收益详情")
def get_income(request, income_id: int):
    return _income_out(access_money.get_income_for(request.auth, income_id))


# --- expenses -----------------------------------------------------------------------------------------


@router.get("/communities/{community_id}/expenses", response={200: list[ExpenseOut], **ERRORS},
            summary="支出（可按状态筛选）")
def list_expenses(request, community_id: int, status: ExpenseStatus | None = None):
    community = community_for(request, community_id, "finance.money.view")
    rows = (Expense.objects.in_community(community).select_related("entry")
            .prefetch_related("receipts", "steps"))
    if status is not None:
        rows = rows.filter(status=status)
    return [_expense_out(e) for e in rows[:200]]


@router.post("/communities/{community_id}/expenses", response={201: ExpenseOut, **ERRORS},
             summary="登记支出（可直接提交审批）")
@idempotent
def create_expense(request, community_id: int, payload: ExpenseIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    receipts = _uploads(payload.receipt_ids, community=community, user=request.auth, field="receipt_ids")
    expense = expenses.create_expense(
        community, actor=request.auth, category=payload.category.value, payee=payload.payee,
        amount=payload.amount, currency=payload.currency, spent_on=payload.spent_on,
        description=payload.description, method=payload.method.value, receipts=receipts,
        submit=payload.submit)
    return Status(201, _expense_out(expense))


@router.get("/expenses/{expense_id}", response={200: ExpenseOut, **ERRORS}, summary="支出详情与审批记录")
def get_expense(request, expense_id: int):
    return _expense_out(access_money.get_expense_for(request.auth, expense_id))


@router.post("/expenses/{expense_id}/submit", response={200: ExpenseOut, **ERRORS}, summary="提交审批")
def submit_expense(request, expense_id: int):
    expense = access_money.get_expense_for(request.auth, expense_id, action="finance.money.record")
    return _expense_out(expenses.submit_expense(expense, actor=request.auth))


@router.post("/expenses/{expense_id}/approve", response={200: ExpenseOut, **ERRORS},
             summary="审批同意（项目经理或业委会委员）")
def approve_expense(request, expense_id: int, payload: ExpenseApprovalIn):
    expense = access_money.get_expense_for(request.auth, expense_id, action="finance.money.approve")
    return _expense_out(expenses.approve_expense(expense, actor=request.auth, note=payload.note))


@router.post("/expenses/{expense_id}/reject", response={200: ExpenseOut, **ERRORS}, summary="驳回")
def reject_expense(request, expense_id: int, payload: ExpenseReasonIn):
    expense = access_money.get_expense_for(request.auth, expense_id, action="finance.money.approve")
    return _expense_out(expenses.reject_expense(expense, actor=request.auth, reason=payload.reason))


@router.post("/expenses/{expense_id}/post", response={200: ExpenseOut, **ERRORS}, summary="支付入账")
def post_expense(request, expense_id: int):
    expense = access_money.get_expense_for(request.auth, expense_id, action="finance.post")
    return _expense_out(expenses.post_expense(expense, actor=request.auth))


@router.get("/communities/{community_id}/money-policy", response={200: PolicyOut, **ERRORS},
            summary="审批与票据金额标准")
def get_policy(request, community_id: int):
    policy = expenses.policy_of(community_for(request, community_id, "finance.money.view"))
    return {"dual_approval_above": money.text(policy.dual_approval_above),
            "receipt_required_above": money.text(policy.receipt_required_above)}


@router.put("/communities/{community_id}/money-policy", response={200: PolicyOut, **ERRORS},
            summary="修改审批与票据金额标准：降低即时生效；提高只能由业委会（物业公司请提交管控变更申请）")
def set_policy(request, community_id: int, payload: PolicyIn):
    community = community_for(request, community_id, "finance.money.policy")
    params = {k: v for k, v in payload.dict().items() if v is not None}
    controls.request_change(community, ControlKind.MONEY_POLICY, params, actor=request.auth,
                            propose=False)
    policy = expenses.policy_of(community)
    return {"dual_approval_above": money.text(policy.dual_approval_above),
            "receipt_required_above": money.text(policy.receipt_required_above)}


# --- the maintenance fund -------------------------------------------------------------------------------


@router.get("/communities/{community_id}/fund", response={200: FundSummaryOut, **ERRORS},
            summary="维修资金概况")
def fund_summary(request, community_id: int):
    summary = fund.fund_summary(community_for(request, community_id, "finance.money.view"))
    return {k: (money.text(v) if k not in ("households", "pending") else v) for k, v in summary.items()}


@router.post("/communities/{community_id}/fund/initial", response={201: DepositOut, **ERRORS},
             summary="维修资金首期归集（面积 × 标准）")
@idempotent
def collect_initial(request, community_id: int, payload: InitialIn,
                    idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    deposit = fund.collect_initial(
        community, actor=request.auth, rate=payload.rate, deposited_on=payload.deposited_on,
        scope=payload.scope.value, buildings=_buildings(payload.building_ids, community),
        units=_units(payload.unit_ids, community), method=payload.method.value)
    return Status(201, _deposit_out(deposit))


@router.post("/communities/{community_id}/fund/deposits", response={201: DepositOut, **ERRORS},
             summary="维修资金续筹/补交登记")
@idempotent
def record_deposits(request, community_id: int, payload: DepositsIn,
                    idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    units = {u.pk: u for u in _units([d.unit_id for d in payload.deposits], community, "deposits")} \
        if len({d.unit_id for d in payload.deposits}) == len(payload.deposits) else None
    if units is None:
        raise ValidationError({"deposits": ["同一房屋重复登记"]})
    deposit = fund.record_deposits(
        community, actor=request.auth, deposits=[(units[d.unit_id], d.amount) for d in payload.deposits],
        deposited_on=payload.deposited_on, memo=payload.memo, method=payload.method.value)
    return Status(201, _deposit_out(deposit))


@router.get("/communities/{community_id}/fund/uses", response={200: list[FundUseOut], **ERRORS},
            summary="维修资金使用")
def list_uses(request, community_id: int):
    community = community_for(request, community_id, "finance.money.view")
    return [_use_out(u) for u in FundUse.objects.in_community(community)
            .prefetch_related("entries", "documents")[:200]]


@router.post("/communities/{community_id}/fund/uses", response={201: FundUseOut, **ERRORS},
             summary="登记维修资金使用（表决通过即列支；应急使用待审批）")
@idempotent
def create_use(request, community_id: int, payload: FundUseIn,
               idempotency_key: IdempotencyKeyHeader = None):
    from sunlit.governance.models import Vote

    community = community_for(request, community_id, "finance.money.record")
    vote = None
    if payload.vote_id is not None:
        vote = Vote.objects.filter(pk=payload.vote_id, community=community).first()
        if vote is None:
            raise ValidationError({"vote_id": ["请选择本小区的业主表决"]})
    documents = _uploads(payload.document_ids, community=community, user=request.auth,
                         field="document_ids", purpose=uploads.FUND_DOCUMENT)
    use = fund.create_fund_use(
        community, actor=request.auth, title=payload.title, contractor=payload.contractor,
        amount=payload.amount, currency=payload.currency, used_on=payload.used_on,
        basis=payload.basis.value, vote=vote, emergency_reason=payload.emergency_reason,
        description=payload.description, documents=documents, scope=payload.scope.value,
        buildings=_buildings(payload.building_ids, community), units=_units(payload.unit_ids, community),
        method=payload.method.value)
    return Status(201, _use_out(use, with_split=True))


@router.get("/fund/uses/{use_id}", response={200: FundUseOut, **ERRORS}, summary="维修资金使用详情（含分摊）")
def get_use(request, use_id: int):
    return _use_out(access_money.get_fund_use_for(request.auth, use_id), with_split=True)


@router.post("/fund/uses/{use_id}/approve", response={200: FundUseOut, **ERRORS},
             summary="审批维修资金使用：依表决的由业委会委员确认；应急的由项目经理与业委会委员各一人")
def approve_use(request, use_id: int):
    use = access_money.get_fund_use_for(request.auth, use_id, action="finance.money.approve")
    return _use_out(fund.approve_fund_use(use, actor=request.auth), with_split=True)


@router.get("/units/{unit_id}/fund", response={200: UnitFundOut, **ERRORS},
            summary="本户维修资金余额与明细（业主本人或员工）")
def unit_fund(request, unit_id: int):
    unit = access.get_unit_for(request.auth, unit_id)
    account = FundAccount.objects.filter(unit=unit).first()
    return {"unit_id": unit.pk, "unit": unit.label,
            "balance": money.text(account.balance if account else money.ZERO),
            "movements": [{"entry": x.entry.number, "date": x.entry.date, "memo": x.entry.memo,
                           "credit": money.text(x.credit), "debit": money.text(x.debit)}
                          for x in fund.unit_statement(unit)]}


@router.get("/fund/uses/{use_id}/shares/{unit_id}/proof", response={200: ShareProofOut, **ERRORS},
            summary="本户分摊额的证明：到 split_root 的包含证明")
def share_proof(request, use_id: int, unit_id: int):
    unit = access.get_unit_for(request.auth, unit_id)
    use = FundUse.objects.filter(pk=use_id, community_id=unit.community_id,
                                 status=FundUseStatus.POSTED).first()
    proof = fund.share_proof(use.split, unit.pk) if use is not None else None
    if proof is None:
        raise Http404
    return proof

