"""Public-money API under /api/v1/finance/: public income, expenses with their approval flow,
the thresholds; the maintenance fund's endpoints are ``fund.api`` (same rules, same tag).

Amounts travel as strings (``"123.40"``) with an optional ``currency`` that must be ``CNY``.
Receipts are uploaded first (``POST /money/receipts``, multipart) and referenced by id.
Lookups are scoped: another community's or another household's ids are 404.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sunlit.api.errors import ERRORS
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.core import uploads
from sunlit.core.models import Upload
from sunlit.finance.billing.selectors import policy_of
from sunlit.finance.books import money
from sunlit.finance.expenses import access as access_money
from sunlit.finance.expenses import services as expenses
from sunlit.finance.expenses.choices import ExpenseCategory, ExpenseStatus, MoneyMethod, PublicIncomeCategory
from sunlit.finance.expenses.filters import ExpenseFilter
from sunlit.finance.models import Expense, PublicIncome
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


# --- helpers ------------------------------------------------------------------------------------------


def receipt_out(upload: Upload) -> dict:
    from django.urls import reverse

    return {"id": upload.pk, "sha256": upload.sha256, "url": reverse("finance:money_file", args=[upload.pk])}


def uploads_of(ids: list[int], *, community, user, field: str,
             purpose: uploads.Purpose = uploads.MONEY_RECEIPT) -> list[Upload]:
    return uploads.resolve_uploads(user, ids, community=community, purpose=purpose, field=field)


def units_of(ids: list[int], community, field: str = "unit_ids") -> list[Unit]:
    found = {u.pk: u for u in Unit.objects.in_community(community).filter(pk__in=ids)}
    if len(found) != len(set(ids)):
        raise ValidationError({field: ["房屋不属于本小区"]})
    return [found[pk] for pk in dict.fromkeys(ids)]


def buildings_of(ids: list[int], community) -> list[Building]:
    found = list(Building.objects.in_community(community).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"building_ids": ["楼栋不属于本小区"]})
    return found


def _income_out(income: PublicIncome) -> dict:
    return {"id": income.pk, "number": income.number, "category": income.category, "payer": income.payer,
            "amount": money.text(income.amount), "received_on": income.received_on,
            "method": income.method, "description": income.description, "entry": income.entry.number,
            "receipts": [receipt_out(u) for u in income.receipts.all()]}


def _expense_out(expense: Expense) -> dict:
    return {"id": expense.pk, "number": expense.number, "category": expense.category,
            "payee": expense.payee, "amount": money.text(expense.amount), "spent_on": expense.spent_on,
            "description": expense.description, "method": expense.method, "status": expense.status,
            "needs_committee": expense.needs_committee, "reject_reason": expense.reject_reason,
            "entry": expense.entry.number if expense.entry_id else None,
            "receipts": [receipt_out(u) for u in expense.receipts.all()],
            "steps": [{"action": s.action, "side": s.side, "actor": s.actor_name, "note": s.note, "at": s.at}
                      for s in expense.steps.all()]}


# --- receipts ----------------------------------------------------------------------------------------


@router.post("/money/receipts", response={201: list[MoneyReceiptOut], **ERRORS},
             summary="上传票据图片（multipart，最多 9 张）")
def upload_receipts(request, community_id: Form[int], files: File[list[UploadedFile]]):
    """Checked by content, EXIF/GPS stripped, stored; the ids go into ``receipt_ids`` /
    ``document_ids``. Unused uploads are purged after a day."""
    community = community_for(request, community_id, "finance.money.record")
    stored = uploads.store_images(files, community=community, actor=request.auth,
                                  limit=expenses.MAX_RECEIPTS, field="files")
    return Status(201, [receipt_out(u) for u in stored])


# --- public income -----------------------------------------------------------------------------------


@router.get("/communities/{community_id}/public-income", response={200: Page[IncomeOut], **ERRORS},
            summary="公共收益")
def list_income(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "finance.money.view")
    return page(PublicIncome.objects.in_community(community).select_related("entry")
                .prefetch_related("receipts"), query, _income_out)


@router.post("/communities/{community_id}/public-income", response={201: IncomeOut, **ERRORS},
             summary="公共收益入账")
@idempotent
def record_income(request, community_id: int, payload: IncomeIn,
                  idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    receipts = uploads_of(payload.receipt_ids, community=community, user=request.auth, field="receipt_ids")
    income = expenses.record_public_income(
        community, actor=request.auth, category=payload.category.value, payer=payload.payer,
        amount=payload.amount, currency=payload.currency, received_on=payload.received_on,
        method=payload.method.value, description=payload.description, receipts=receipts)
    return Status(201, _income_out(income))


@router.get("/public-income/{income_id}", response={200: IncomeOut, **ERRORS}, summary="公共收益详情")
def get_income(request, income_id: int):
    return _income_out(access_money.get_income_for(request.auth, income_id))


# --- expenses -----------------------------------------------------------------------------------------


@router.get("/communities/{community_id}/expenses", response={200: Page[ExpenseOut], **ERRORS},
            summary="支出（可按状态筛选）")
def list_expenses(request, community_id: int, query: Query[PageQuery],
                  status: ExpenseStatus | None = None):
    community = community_for(request, community_id, "finance.money.view")
    rows = (Expense.objects.in_community(community).select_related("entry")
            .prefetch_related("receipts", "steps"))
    return page(filtered(ExpenseFilter, rows, {"status": status}), query, _expense_out)


@router.post("/communities/{community_id}/expenses", response={201: ExpenseOut, **ERRORS},
             summary="登记支出（可直接提交审批）")
@idempotent
def create_expense(request, community_id: int, payload: ExpenseIn,
                   idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    receipts = uploads_of(payload.receipt_ids, community=community, user=request.auth, field="receipt_ids")
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
    policy = policy_of(community_for(request, community_id, "finance.money.view"))
    return {"dual_approval_above": money.text(policy.dual_approval_above),
            "receipt_required_above": money.text(policy.receipt_required_above)}


@router.put("/communities/{community_id}/money-policy", response={200: PolicyOut, **ERRORS},
            summary="修改审批与票据金额标准：降低即时生效；提高只能由业委会（物业公司请提交管控变更申请）")
def set_policy(request, community_id: int, payload: PolicyIn):
    community = community_for(request, community_id, "finance.money.policy")
    params = {k: v for k, v in payload.dict().items() if v is not None}
    controls.request_change(community, ControlKind.MONEY_POLICY, params, actor=request.auth,
                            propose=False)
    policy = policy_of(community)
    return {"dual_approval_above": money.text(policy.dual_approval_above),
            "receipt_required_above": money.text(policy.receipt_required_above)}
