"""Online payments' API under /api/v1/finance/: a household's payment order (its bills and the
way to pay), the order's status, and the refused payment notifications for finance staff."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from sunlit.api.errors import ERRORS
from sunlit.api.idempotency import IdempotencyKeyHeader
from sunlit.api.pagination import Page, PageQuery, page
from sunlit.api.scope import community_for
from sunlit.finance.billing import access
from sunlit.finance.books import money
from sunlit.finance.models import CallbackRefusal
from sunlit.finance.online import access as online_access
from sunlit.finance.online import services as online
from sunlit.finance.online.choices import OrderStatus, Provider

router = Router(tags=["finance"])

Money = str  # "123.40"


class PaymentOrderIn(Schema):
    provider: Provider = Field(..., description="支付渠道：wechat 微信支付 / alipay 支付宝")
    bills: list[int] = Field([], description="要缴的账单 id；不填则为该房屋全部待缴账单")


class PayActionOut(Schema):
    kind: str = Field(..., description="redirect：跳转到 url 支付；qr：用微信扫描 url 的二维码（Native）")
    url: str


class PaymentOrderOut(Schema):
    id: int
    out_trade_no: str
    unit_id: int
    unit: str
    provider: Provider
    amount: Money
    bills: list[dict]
    status: OrderStatus
    sandbox: bool = Field(..., description="本地模拟支付（演示与测试环境）")
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    transaction_id: str
    payment_id: int | None
    receipt_number: str | None
    pay: PayActionOut | None


class RefusalOut(Schema):
    id: int
    provider: str
    reason: str
    reason_label: str
    detail: str
    out_trade_no: str
    order_id: int | None
    amount_seen: Money | None
    body_sha256: str
    received_at: dt.datetime


def _order_out(order) -> dict:
    pay = order.pay_data if order.pay_data.get("url") and order.status == OrderStatus.CREATED else None
    return {"id": order.pk, "out_trade_no": order.out_trade_no, "unit_id": order.unit_id,
            "unit": order.unit.label, "provider": order.provider, "amount": money.text(order.amount),
            "bills": order.bills, "status": order.status, "sandbox": order.sandbox,
            "created_at": order.created_at, "expires_at": order.expires_at, "paid_at": order.paid_at,
            "transaction_id": order.transaction_id, "payment_id": order.payment_id,
            "receipt_number": order.payment.number if order.payment_id else None,
            "pay": {"kind": pay["kind"], "url": pay["url"]} if pay else None}


@router.post("/units/{unit_id}/payment-orders", response={201: PaymentOrderOut, **ERRORS},
             summary="在线缴费下单（业主/住户）")
def create_payment_order(request, unit_id: int, payload: PaymentOrderIn,
                         idempotency_key: IdempotencyKeyHeader = None):
    """The key is kept on the order itself (not by ``@idempotent``, whose transaction would
    hold the database while the provider is called): a retry returns the same order."""
    from sunlit.finance.online.views import base_url

    unit = access.get_unit_for(request.auth, unit_id)
    order = online.create_payment_order(unit, actor=request.auth, provider=payload.provider,
                                        bills=payload.bills, idempotency_key=idempotency_key or "")
    online.start_payment(order, base_url=base_url(request), mobile=True,
                         client_ip=request.META.get("REMOTE_ADDR", "127.0.0.1"))
    order.refresh_from_db()
    return Status(201, _order_out(order))


@router.get("/payment-orders/{order_id}", response={200: PaymentOrderOut, **ERRORS}, summary="缴费订单状态")
def get_payment_order(request, order_id: int):
    return _order_out(online.refresh_order(online_access.get_order_for(request.auth, order_id)))


@router.get("/communities/{community_id}/callback-refusals", response={200: Page[RefusalOut], **ERRORS},
            summary="被拒收的支付回调（财务）")
def list_refusals(request, community_id: int, query: Query[PageQuery]):
    community = community_for(request, community_id, "finance.view")
    return page(CallbackRefusal.objects.in_community(community), query, _refusal_out)


def _refusal_out(r: CallbackRefusal) -> dict:
    return {"id": r.pk, "provider": r.provider, "reason": r.reason,
            "reason_label": str(r.get_reason_display()),
            "detail": r.detail, "out_trade_no": r.out_trade_no, "order_id": r.order_id,
            "amount_seen": money.text(r.amount_seen) if r.amount_seen is not None else None,
            "body_sha256": r.body_sha256, "received_at": r.received_at}
