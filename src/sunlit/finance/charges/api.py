"""Finance API, charges: late-fee collection, waivers (减免), meter-reading imports.

Its own router under ``/api/v1/finance/…`` (tag ``finance``); same rules: amounts as strings, lookups
scoped through ``finance.access`` / ``community_for`` (another community's id is 404), creating
POSTs honour ``Idempotency-Key``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sunlit.api.errors import ERRORS, file_answer
from sunlit.api.filtering import filtered
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.core import exports
from sunlit.core.permissions import require
from sunlit.finance.billing import access, selectors, services
from sunlit.finance.billing.choices import MeterKind
from sunlit.finance.books import money
from sunlit.finance.charges import access as charges_access
from sunlit.finance.charges import meter_import, waivers
from sunlit.finance.charges.choices import ImportStatus, WaiverReason, WaiverStatus, WaiverTarget
from sunlit.finance.charges.filters import WaiverFilter
from sunlit.finance.models import LateFeeCharge, MeterImport, Waiver

router = Router(tags=["finance"])

Money = str


class LateFeeTermsOut(Schema):
    collect: bool
    collect_from: dt.date | None
    daily_rate: str
    grace_days: int
    cap_percent: str


class LateFeeChargeOut(Schema):
    id: int
    bill_id: int
    bill: str
    unit: str
    payment: str
    as_of: dt.date
    amount: Money = Field(..., description="收取的滞纳金（退款退回时为负数）")
    assessed: Money = Field(..., description="截至当日按约定计算的滞纳金总额")
    refund: str | None


class LateFeesOut(Schema):
    terms: LateFeeTermsOut
    charges: list[LateFeeChargeOut]


class CollectionIn(Schema):
    collect: bool = Field(..., description="收款时是否收取滞纳金")


class WaiverIn(Schema):
    target: WaiverTarget
    whole: bool = Field(False, description="全额减免：金额按批准当日的应收额确定")
    amount: str | None = Field(None, description="减免金额（元），字符串，最多两位小数；全额减免时不填",
                               examples=["50.00"])
    reason_category: WaiverReason
    reason: str = Field(..., min_length=1, max_length=500)


class WaiverDecisionIn(Schema):
    note: str = Field("", max_length=500)


class WaiverOut(Schema):
    id: int
    number: str
    bill_id: int
    bill: str
    unit: str
    target: WaiverTarget
    whole: bool
    requested_amount: Money | None
    amount: Money | None
    reason_category: WaiverReason
    reason: str
    status: WaiverStatus
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_role: str
    decided_at: dt.datetime | None
    decision_note: str
    effective_on: dt.date | None
    entry: str | None


class MeterImportOut(Schema):
    id: int
    status: ImportStatus
    kind: MeterKind
    period_start: dt.date
    create_missing: bool
    filename: str
    sha256: str
    size: int
    summary: dict
    errors: list[dict] = Field(..., description="[{row, column, message}]：每行的问题（中文）")


def _charge_out(c: LateFeeCharge) -> dict:
    return {"id": c.pk, "bill_id": c.bill_id, "bill": c.bill.number, "unit": c.unit.label,
            "payment": c.payment.number, "as_of": c.as_of, "amount": money.text(c.amount),
            "assessed": money.text(c.assessed), "refund": c.refund.number if c.refund_id else None}


def _waiver_out(w: Waiver) -> dict:
    def name(user):
        return waivers.staff_name(user) if user else None

    return {"id": w.pk, "number": w.number, "bill_id": w.bill_id, "bill": w.bill.number,
            "unit": w.bill.unit.label, "target": w.target, "whole": w.whole,
            "requested_amount": money.text(w.requested_amount) if w.requested_amount is not None else None,
            "amount": money.text(w.amount) if w.amount is not None else None,
            "reason_category": w.reason_category, "reason": w.reason, "status": w.status,
            "requested_by": name(w.requested_by), "requested_at": w.requested_at,
            "decided_by": name(w.decided_by), "decided_role": w.decided_role, "decided_at": w.decided_at,
            "decision_note": w.decision_note, "effective_on": w.effective_on,
            "entry": w.entry.number if w.entry_id else None}


def _import_out(imp: MeterImport) -> dict:
    return {"id": imp.pk, "status": imp.status, "kind": imp.kind, "period_start": imp.period_start,
            "create_missing": imp.create_missing, "filename": imp.filename, "sha256": imp.sha256,
            "size": imp.size, "summary": imp.summary, "errors": imp.errors}


def _terms(policy) -> dict:
    return {"collect": policy.late_fee_collect, "collect_from": policy.late_fee_collect_from,
            "daily_rate": str(policy.late_fee_daily_rate), "grace_days": policy.late_fee_grace_days,
            "cap_percent": str(policy.late_fee_cap_percent)}


# --- late fees -------------------------------------------------------------------------------------


@router.get("/communities/{community_id}/late-fees", response={200: LateFeesOut, **ERRORS},
            summary="滞纳金：约定与最近收取的记录")
def late_fees(request, community_id: int):
    community = community_for(request, community_id, "finance.view")
    charges = (LateFeeCharge.objects.in_community(community)
               .select_related("bill", "unit__building", "payment", "refund")
               .order_by("-created_at", "-id")[:200])
    return {"terms": _terms(selectors.policy_of(community)), "charges": [_charge_out(c) for c in charges]}


@router.put("/communities/{community_id}/late-fees/collection", response={200: LateFeeTermsOut, **ERRORS},
            summary="开启或关闭收取滞纳金（记入透明日志）")
def set_collection(request, community_id: int, payload: CollectionIn):
    community = community_for(request, community_id, "finance.manage")
    policy = services.update_policy(community, actor=request.auth, late_fee_collect=payload.collect)
    return _terms(policy)


# --- waivers ---------------------------------------------------------------------------------------


@router.post("/bills/{bill_id}/waivers", response={201: WaiverOut, **ERRORS}, summary="申请减免")
@idempotent
def request_waiver(request, bill_id: int, payload: WaiverIn, idempotency_key: IdempotencyKeyHeader = None):
    bill = access.get_bill_for(request.auth, bill_id)
    require(request.auth, "finance.waive", community=bill.community_id)
    waiver = waivers.request_waiver(bill, actor=request.auth, target=payload.target, whole=payload.whole,
                                    amount=payload.amount, reason_category=payload.reason_category,
                                    reason=payload.reason)
    return Status(201, _waiver_out(waiver))


@router.get("/communities/{community_id}/waivers", response={200: Page[WaiverOut], **ERRORS},
            summary="减免：待审批与历史")
def list_waivers(request, community_id: int, query: Query[PageQuery],
                 status: WaiverStatus | None = None):
    community = community_for(request, community_id, "finance.view")
    rows = Waiver.objects.in_community(community).select_related(
        "bill__unit__building", "requested_by", "decided_by", "entry")
    return page(filtered(WaiverFilter, rows, {"status": status}), query, _waiver_out)


@router.get("/waivers/{waiver_id}", response={200: WaiverOut, **ERRORS}, summary="减免详情")
def get_waiver(request, waiver_id: int):
    return _waiver_out(charges_access.get_waiver_for(request.auth, waiver_id))


@router.post("/waivers/{waiver_id}/approve", response={200: WaiverOut, **ERRORS},
             summary="批准减免（申请人以外的经理或公司管理员；重复批准不重复记账）")
def approve_waiver(request, waiver_id: int, payload: WaiverDecisionIn):
    waiver = charges_access.get_waiver_for(request.auth, waiver_id)
    return _waiver_out(waivers.approve_waiver(waiver, actor=request.auth, note=payload.note))


@router.post("/waivers/{waiver_id}/reject", response={200: WaiverOut, **ERRORS}, summary="驳回减免")
def reject_waiver(request, waiver_id: int, payload: WaiverDecisionIn):
    waiver = charges_access.get_waiver_for(request.auth, waiver_id)
    return _waiver_out(waivers.reject_waiver(waiver, actor=request.auth, note=payload.note))


# --- meter-reading imports ----------------------------------------------------------------------------


@router.post("/communities/{community_id}/meter-imports", response={201: MeterImportOut, **ERRORS},
             summary="上传抄表文件（.xlsx/.csv，multipart）：逐行检查，待确认")
@idempotent
def stage_import(request, community_id: int, kind: Form[MeterKind], period: Form[str],
                 file: File[UploadedFile], create_missing: Form[bool] = False,
                 idempotency_key: IdempotencyKeyHeader = None):
    community = community_for(request, community_id, "finance.bill")
    try:
        period_start = dt.datetime.strptime(period, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"period": ["账期格式应为 YYYY-MM"]}) from None
    if file.size > meter_import.sheets.max_upload_bytes():
        raise ValidationError({"file": meter_import.sheets.size_error().messages})
    staged = meter_import.stage_meter_import(
        community, actor=request.auth, kind=kind, period_start=period_start, filename=file.name,
        data=file.read(), create_missing=create_missing)
    return Status(201, _import_out(staged))


@router.get("/meter-imports/{import_id}", response={200: MeterImportOut, **ERRORS}, summary="抄表导入预览")
def get_import(request, import_id: int):
    return _import_out(charges_access.get_meter_import_for(request.auth, import_id))


@router.post("/meter-imports/{import_id}/commit", response={200: MeterImportOut, **ERRORS},
             summary="确认导入（全部写入或全部不写；重复确认不重复写入）")
def commit_import(request, import_id: int):
    staged = charges_access.get_meter_import_for(request.auth, import_id)
    return _import_out(meter_import.commit_meter_import(staged, actor=request.auth))


@router.get("/communities/{community_id}/meter-imports/template", summary="抄表模板（.xlsx）",
            response={200: None, **ERRORS},
            openapi_extra=file_answer(exports.XLSX_CONTENT_TYPE))
def import_template(request, community_id: int, kind: MeterKind = MeterKind.WATER):
    community = community_for(request, community_id, "finance.bill")
    return exports.xlsx_response(f"meter-readings-{kind}.xlsx",
                                 meter_import.template_workbook(community, kind))
