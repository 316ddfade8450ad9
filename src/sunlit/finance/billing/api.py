"""Billing's API under /api/v1/finance/: fee items and tariffs, billing runs, bills with their
proofs.

Amounts and prices travel as strings with at most two (prices: four) decimal places —
``"123.40"`` — never as JSON numbers, so no float ever touches money; a number is refused
with 422. Lookups go through ``billing.access`` / ``sunlit.api.scope.community_for``: another
community's id or another household's bill is 404. Creating POSTs honour ``Idempotency-Key``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.finance.billing import access, selectors, services
from sunlit.finance.billing import runs as billing
from sunlit.finance.billing.choices import BillStatus, Cycle, FeeKind, RunStatus
from sunlit.finance.books import money
from sunlit.finance.models import BillingRun

router = Router(tags=["finance"])

Money = str  # "123.40"


class TariffOut(Schema):
    id: int
    price: str
    tiers: list[dict] = []
    effective_from: dt.date
    effective_to: dt.date | None
    notice_published_on: dt.date | None
    notice_ref: str

    @staticmethod
    def resolve_price(obj) -> str:
        return f"{obj.price:.4f}"


class FeeItemOut(Schema):
    id: int
    code: str
    name: str
    kind: FeeKind
    cycle: Cycle
    applies_to: list[str]
    account: str
    tariffs: list[TariffOut]

    @staticmethod
    def resolve_account(obj) -> str:
        return obj.account.code

    @staticmethod
    def resolve_tariffs(obj) -> list:
        return list(obj.tariffs.all())


class TariffIn(Schema):
    price: str = Field(..., description="单价（元），最多四位小数，字符串", examples=["2.35"])
    effective_from: dt.date
    effective_to: dt.date | None = None
    tiers: list[dict] | None = Field(
        None, description='阶梯：[{"upto": "10", "price": "3.50"}, {"upto": null, "price": "4.20"}]')
    notice_published_on: dt.date | None = Field(None, description="调价公示日期（调整已有标准时必填）")
    notice_ref: str = Field("", max_length=200)


class RunIn(Schema):
    period: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="账期月份 YYYY-MM", examples=["2026-01"])


class ItemTotal(Schema):
    code: str
    name: str
    lines: int
    total: Money


class PreviewOut(Schema):
    period_start: dt.date
    bills: int
    lines: int
    total: Money
    by_fee_item: list[ItemTotal]
    warnings: list[str]


class RunOut(Schema):
    id: int
    period_start: dt.date
    status: RunStatus
    bill_count: int
    line_count: int
    total: Money
    bills_root: str
    summary: dict
    error: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class LineOut(Schema):
    fee_item: str
    name: str
    quantity: str
    price: str
    amount: Money
    calculation: dict


class BillOut(Schema):
    id: int
    number: str
    unit_id: int
    unit: str
    period_start: dt.date
    period_end: dt.date = Field(..., description="账期最后一天")
    issued_on: dt.date
    due_on: dt.date
    amount: Money
    paid: Money
    outstanding: Money
    status: BillStatus
    late_fee: Money = Field(..., description="截至今天应收的滞纳金（按约定计算，减去已收和已减免，不存储）")
    late_fee_collected: Money = Field("0.00", description="已收滞纳金")
    late_fee_waived: Money = Field("0.00", description="已减免滞纳金")
    digest: str
    run_id: int | None


class BillDetailOut(BillOut):
    lines: list[LineOut]


class ProofOut(Schema):
    bill: dict
    canonical: str = Field(..., description="账单的 RFC 8785 规范 JSON；叶哈希 = SHA-256(0x00 || 它)")
    leaf_index: int
    tree_size: int
    bills_root: str = Field(..., description="批次在透明日志 finance.run.committed 事件中的默克尔根")
    inclusion_proof: list[str]
    run_id: int


def bill_out(view: selectors.BillView) -> dict:
    bill = view.bill
    return {"id": bill.pk, "number": bill.number, "unit_id": bill.unit_id, "unit": bill.unit.label,
            "period_start": bill.period_start, "period_end": bill.period_end - dt.timedelta(days=1),
            "issued_on": bill.issued_on, "due_on": bill.due_on, "amount": money.text(bill.amount),
            "paid": money.text(bill.paid), "outstanding": money.text(bill.outstanding),
            "status": bill.status, "late_fee": money.text(view.late_fee.amount), "digest": bill.digest,
            "late_fee_collected": money.text(view.collected), "late_fee_waived": money.text(view.waived),
            "run_id": bill.run_id}


def _run_out(run: BillingRun) -> dict:
    return {"id": run.pk, "period_start": run.period_start, "status": run.status,
            "bill_count": run.bill_count, "line_count": run.line_count, "total": money.text(run.total),
            "bills_root": run.bills_root, "summary": run.summary, "error": run.error,
            "started_at": run.started_at, "finished_at": run.finished_at}


def _period(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"period": ["账期格式应为 YYYY-MM"]}) from None


# --- fee items and tariffs ----------------------------------------------------------------------


@router.get("/communities/{community_id}/fee-items", response={200: list[FeeItemOut], **ERRORS},
            summary="收费项目与收费标准")
def list_fee_items(request, community_id: int):
    community = community_for(request, community_id, "finance.view")
    return selectors.fee_items_with_tariffs(community)


@router.post("/fee-items/{item_id}/tariffs", response={201: TariffOut, **ERRORS}, summary="设定收费标准")
@idempotent
def set_tariff(request, item_id: int, payload: TariffIn, idempotency_key: IdempotencyKeyHeader = None):
    item = access.get_fee_item_for(request.auth, item_id, for_write=True)
    tariff = services.set_tariff(item, actor=request.auth, **payload.dict())
    return Status(201, TariffOut.from_orm(tariff))


# --- billing runs --------------------------------------------------------------------------------


@router.get("/communities/{community_id}/runs", response={200: Page[RunOut], **ERRORS}, summary="计费批次")
def list_runs(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "finance.view")
    return page(BillingRun.objects.in_community(community), query, _run_out)


@router.get("/communities/{community_id}/runs/preview", response={200: PreviewOut, **ERRORS},
            summary="计费预览（不写入）")
def preview_run(request, community_id: int, period: str):
    community = community_for(request, community_id, "finance.bill")
    plan = services.preview_billing_run(community, _period(period), actor=request.auth)
    return {"period_start": plan.period_start, "bills": len(plan.bills), "lines": plan.line_count,
            "total": money.text(plan.total), "warnings": plan.warnings,
            "by_fee_item": [{"code": code, "name": v["name"], "lines": v["lines"],
                             "total": money.text(v["total"])} for code, v in plan.by_item.items()]}


@router.post("/communities/{community_id}/runs", response={202: RunOut, **ERRORS},
             summary="开始批量计费（后台执行，查询状态）")
@idempotent
def start_run(request, community_id: int, payload: RunIn, idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.bill")
    run = services.start_billing_run(community, _period(payload.period), actor=request.auth)
    run.refresh_from_db()
    return Status(202, _run_out(run))


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS}, summary="计费批次状态")
def get_run(request, run_id: int):
    return _run_out(access.get_run_for(request.auth, run_id))


# --- accounts, bills, proofs -------------------------------------------------------------------


@router.get("/bills/{bill_id}", response={200: BillDetailOut, **ERRORS}, summary="账单详情（含计算过程）")
def get_bill(request, bill_id: int):
    bill = access.get_bill_for(request.auth, bill_id)
    view = selectors.bill_view(bill, timezone.localdate())
    lines = [{"fee_item": x.fee_item.code, "name": x.fee_item.name, "quantity": f"{x.quantity:.4f}",
              "price": f"{x.price:.4f}", "amount": money.text(x.amount), "calculation": x.calculation}
             for x in bill.lines.select_related("fee_item", "calc").order_by("id")]
    return {**bill_out(view), "lines": lines}


@router.get("/bills/{bill_id}/proof", response={200: ProofOut, **ERRORS}, url_name="finance_bill_proof",
            summary="账单证明：规范 JSON 与到批次默克尔根的包含证明")
def bill_proof(request, bill_id: int):
    return billing.bill_proof(access.get_bill_for(request.auth, bill_id))
