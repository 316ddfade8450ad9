"""The maintenance fund's API (``/api/v1/finance/…``): the summary, the initial collection and
deposits, uses with their approvals, a household's statement and the proof of its share."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.core import uploads
from sunlit.finance.billing import access
from sunlit.finance.books import money
from sunlit.finance.expenses.api import (
    Money,
    MoneyReceiptOut,
    buildings_of,
    receipt_out,
    units_of,
    uploads_of,
)
from sunlit.finance.expenses.choices import MoneyMethod
from sunlit.finance.fund import access as fund_access
from sunlit.finance.fund import services as fund
from sunlit.finance.fund.choices import FundBasis, FundScope, FundUseStatus
from sunlit.finance.models import FundAccount, FundDeposit, FundUse

router = Router(tags=["finance: public money"])


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
            "documents": [receipt_out(u) for u in use.documents.all()],
            "split": use.split if with_split else []}


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
        scope=payload.scope.value, buildings=buildings_of(payload.building_ids, community),
        units=units_of(payload.unit_ids, community), method=payload.method.value)
    return Status(201, _deposit_out(deposit))


@router.post("/communities/{community_id}/fund/deposits", response={201: DepositOut, **ERRORS},
             summary="维修资金续筹/补交登记")
@idempotent
def record_deposits(request, community_id: int, payload: DepositsIn,
                    idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.money.record")
    units = {u.pk: u for u in units_of([d.unit_id for d in payload.deposits], community, "deposits")} \
        if len({d.unit_id for d in payload.deposits}) == len(payload.deposits) else None
    if units is None:
        raise ValidationError({"deposits": ["同一房屋重复登记"]})
    deposit = fund.record_deposits(
        community, actor=request.auth, deposits=[(units[d.unit_id], d.amount) for d in payload.deposits],
        deposited_on=payload.deposited_on, memo=payload.memo, method=payload.method.value)
    return Status(201, _deposit_out(deposit))


@router.get("/communities/{community_id}/fund/uses", response={200: Page[FundUseOut], **ERRORS},
            summary="维修资金使用")
def list_uses(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "finance.money.view")
    return page(FundUse.objects.in_community(community).prefetch_related("entries", "documents"),
                query, _use_out)


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
    documents = uploads_of(payload.document_ids, community=community, user=request.auth,
                         field="document_ids", purpose=uploads.FUND_DOCUMENT)
    use = fund.create_fund_use(
        community, actor=request.auth, title=payload.title, contractor=payload.contractor,
        amount=payload.amount, currency=payload.currency, used_on=payload.used_on,
        basis=payload.basis.value, vote=vote, emergency_reason=payload.emergency_reason,
        description=payload.description, documents=documents, scope=payload.scope.value,
        buildings=buildings_of(payload.building_ids, community), units=units_of(payload.unit_ids, community),
        method=payload.method.value)
    return Status(201, _use_out(use, with_split=True))


@router.get("/fund/uses/{use_id}", response={200: FundUseOut, **ERRORS}, summary="维修资金使用详情（含分摊）")
def get_use(request, use_id: int):
    return _use_out(fund_access.get_fund_use_for(request.auth, use_id), with_split=True)


@router.post("/fund/uses/{use_id}/approve", response={200: FundUseOut, **ERRORS},
             summary="审批维修资金使用：依表决的由业委会委员确认；应急的由项目经理与业委会委员各一人")
def approve_use(request, use_id: int):
    use = fund_access.get_fund_use_for(request.auth, use_id, action="finance.money.approve")
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
