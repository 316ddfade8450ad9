"""Payments' API under /api/v1/finance/: a unit's account (bills, payments, prepaid balance),
counter payments, refunds, e-receipts (JSON and PDF). Amounts travel as strings; creating POSTs
honour ``Idempotency-Key``; another community's or household's ids are 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from sunlit.api.errors import ERRORS, file_answer
from sunlit.api.idempotency import IdempotencyKeyHeader, idempotent
from sunlit.finance.billing import access, selectors
from sunlit.finance.billing.api import BillOut, bill_out
from sunlit.finance.books import money
from sunlit.finance.payments import access as payments_access
from sunlit.finance.payments import receipts
from sunlit.finance.payments import services as payments
from sunlit.finance.payments.choices import PaymentMethod

router = Router(tags=["finance"])

Money = str  # "123.40"


class PaymentOut(Schema):
    id: int
    number: str
    unit_id: int
    method: str
    amount: Money
    to_prepaid: Money
    refunded: Money
    received_at: dt.datetime
    entry: str
    allocations: list[dict]
    late_fees: list[dict] = Field([], description="本次收取的滞纳金：[{bill, bill_id, as_of, amount}]")


class AccountOut(Schema):
    unit_id: int
    unit: str
    owed: Money
    prepaid: Money
    late_fees: Money
    as_of: dt.date
    bills: list[BillOut]
    payments: list[PaymentOut]


class PaymentIn(Schema):
    amount: str = Field(..., description="金额（元），字符串，最多两位小数", examples=["300.00"])
    method: PaymentMethod
    bills: list[int] = Field([], description="指定缴纳的账单 id；不填则从最早的开始")
    reference: str = Field("", max_length=60)
    note: str = Field("", max_length=200)


class RefundIn(Schema):
    amount: str = Field(..., examples=["100.00"])
    reason: str = Field(..., min_length=1, max_length=200)


class RefundOut(Schema):
    id: int
    number: str
    payment_id: int
    amount: Money
    reason: str
    entry: str


def _payment_out(payment) -> dict:
    return {"id": payment.pk, "number": payment.number, "unit_id": payment.unit_id,
            "method": payment.method, "amount": money.text(payment.amount),
            "to_prepaid": money.text(payment.to_prepaid), "refunded": money.text(payment.refunded),
            "received_at": payment.received_at, "entry": payment.entry.number,
            "allocations": [{"bill": a.bill.number, "bill_id": a.bill_id, "kind": a.kind,
                             "amount": money.text(a.amount)} for a in payment.allocations.all()],
            "late_fees": [{"bill": c.bill.number, "bill_id": c.bill_id, "as_of": c.as_of.isoformat(),
                           "amount": money.text(c.amount)} for c in payment.late_fee_charges.all()]}


@router.get("/units/{unit_id}/account", response={200: AccountOut, **ERRORS},
            summary="房屋账户：账单、缴费、预存余额")
def unit_account(request, unit_id: int):
    unit = access.get_unit_for(request.auth, unit_id)
    account = selectors.unit_account(unit, as_of=timezone.localdate())
    return {"unit_id": unit.pk, "unit": unit.label, "owed": money.text(account.owed),
            "prepaid": money.text(account.prepaid), "late_fees": money.text(account.late_fees),
            "as_of": account.as_of, "bills": [bill_out(v) for v in account.bills],
            "payments": [_payment_out(p) for p in account.payments]}


@router.post("/units/{unit_id}/payments", response={201: PaymentOut, **ERRORS}, summary="柜台收款")
@idempotent
def receive_payment(request, unit_id: int, payload: PaymentIn, idempotency_key: IdempotencyKeyHeader = None):
    unit = access.get_unit_for(request.auth, unit_id)
    payment = payments.receive_payment(unit, actor=request.auth, amount=payload.amount,
                                       method=payload.method, bills=payload.bills,
                                       reference=payload.reference, note=payload.note)
    return Status(201, _payment_out(payment))


@router.post("/payments/{payment_id}/refunds", response={201: RefundOut, **ERRORS}, summary="退款")
@idempotent
def refund(request, payment_id: int, payload: RefundIn, idempotency_key: IdempotencyKeyHeader = None):
    payment = payments_access.get_payment_for(request.auth, payment_id, for_write=True)
    refund = payments.refund_payment(payment, actor=request.auth, amount=payload.amount,
                                     reason=payload.reason)
    return Status(201, {"id": refund.pk, "number": refund.number, "payment_id": payment.pk,
                        "amount": money.text(refund.amount), "reason": refund.reason,
                        "entry": refund.entry.number})


class ReceiptLineOut(Schema):
    kind: str = Field(..., description="bill 账单本金 / late_fee 滞纳金 / prepaid 转入预存")
    label: str
    bill: str = Field(..., description="账单号（转入预存时为空）")
    bill_id: int | None
    period: str
    amount: Money


class PaymentReceiptOut(Schema):
    payment_id: int
    number: str = Field(..., description="收据号")
    payee: str = Field(..., description="收款单位（物业公司与小区）")
    community: str
    unit: str
    payer: str = Field(..., description="付款人：本户看到全名，其他人看到脱敏姓名")
    method: str
    reference: str
    amount: Money
    amount_words: str = Field(..., description="大写金额")
    to_prepaid: Money
    refunded: Money
    received_at: dt.datetime
    lines: list[ReceiptLineOut] = Field(..., description="各行之和等于 amount")
    entry: str
    log_origin: str
    log_index: int | None
    leaf_sha256: str
    pdf_url: str


@router.get("/payments/{payment_id}/receipt", response={200: PaymentReceiptOut, **ERRORS},
            summary="电子收据（含大写金额与日志证明）")
def get_receipt(request, payment_id: int):
    payment = payments_access.get_payment_for(request.auth, payment_id)
    r = receipts.receipt_for(payment, viewer=request.auth)
    return {"payment_id": payment.pk, "number": payment.number, "payee": r.payee,
            "community": payment.community.name,
            "unit": payment.unit.label, "payer": r.payer, "method": payment.method,
            "reference": payment.reference, "amount": money.text(payment.amount),
            "amount_words": r.amount_words,
            "to_prepaid": money.text(payment.to_prepaid), "refunded": money.text(payment.refunded),
            "received_at": payment.received_at,
            "lines": [{**x, "amount": money.text(x["amount"])} for x in r.lines],
            "entry": payment.entry.number, "log_origin": r.origin,
            "log_index": r.leaf.index if r.leaf is not None else None, "leaf_sha256": r.leaf_sha256,
            "pdf_url": reverse("api:finance_receipt_pdf", kwargs={"payment_id": payment.pk})}


@router.get("/payments/{payment_id}/receipt.pdf", response={200: None, **ERRORS},
            openapi_extra=file_answer("application/pdf"), url_name="finance_receipt_pdf",
            summary="电子收据 PDF")
def get_receipt_pdf(request, payment_id: int):
    from sunlit.finance.online.views import base_url

    payment = payments_access.get_payment_for(request.auth, payment_id)
    pdf = receipts.render_pdf(payment, url=base_url(request) + receipts.receipt_url(payment),
                              viewer=request.auth)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.number}.pdf"'
    return response
