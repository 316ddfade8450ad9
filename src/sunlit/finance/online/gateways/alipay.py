"""Alipay (支付宝) on ``python-alipay-sdk``: wap pay on a phone, page pay on a computer; with
``sandbox`` in the configuration, Alipay's own sandbox gateway (openapi-sandbox.dl.alipaydev.com).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from alipay import AliPay

from sunlit.finance.online.choices import RefusalReason
from sunlit.finance.online.gateways import (
    CallbackRefused,
    Gateway,
    GatewayError,
    Notice,
    OrderRequest,
    PayAction,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAID_STATES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})


def _amount(text) -> Decimal:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        raise CallbackRefused(RefusalReason.MALFORMED, "total_amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise CallbackRefused(RefusalReason.MALFORMED, "total_amount")
    return value.quantize(Decimal("0.01"))


def _time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI) if text else None
    except ValueError:
        return None


class AlipayGateway(Gateway):
    provider = "alipay"

    def __init__(self, config):
        super().__init__(config)
        self.client = AliPay(
            appid=config.appid,
            app_notify_url=None,
            app_private_key_string=config.private_key,
            alipay_public_key_string=config.public_key,
            sign_type="RSA2",
            debug=config.sandbox_gateway,
        )

    def create_order(self, order: OrderRequest) -> PayAction:
        pay = self.client.api_alipay_trade_wap_pay if order.mobile else self.client.api_alipay_trade_page_pay
        query = pay(
            subject=order.description[:128],
            out_trade_no=order.out_trade_no,
            total_amount=str(order.amount),
            return_url=order.return_url,
            notify_url=order.notify_url,
            time_expire=order.expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        )
        return PayAction("redirect", f"{self.client._gateway}?{query}")

    def query(self, out_trade_no: str) -> Notice | None:
        try:
            result = self.client.api_alipay_trade_query(out_trade_no=out_trade_no)
        except Exception as exc:  # network errors, a response whose signature does not verify
            raise GatewayError(f"支付宝查询失败：{exc}") from exc
        if result.get("code") != "10000":
            return None
        state = result.get("trade_status", "")
        return Notice(
            out_trade_no=out_trade_no,
            transaction_id=result.get("trade_no", ""),
            amount=_amount(result.get("total_amount", "0")),
            paid=state in PAID_STATES,
            merchant_id=self.config.merchant_id,
            appid=self.config.appid,
            paid_at=_time(result.get("send_pay_date")),
            state=state,
        )

    def parse_callback(self, headers: dict[str, str], body: bytes, *, now: dt.datetime) -> Notice:
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise CallbackRefused(RefusalReason.MALFORMED, "通知不是表单格式") from None
        signature = form.pop("sign", "")
        if not signature or not form.get("out_trade_no"):
            raise CallbackRefused(RefusalReason.MALFORMED, "缺少 sign 或 out_trade_no")
        try:
            ok = self.client.verify(dict(form), signature)  # drops sign_type, RSA2 over sorted k=v
        except Exception:  # a sign_type other than RSA2, a signature that is not base64
            ok = False
        if not ok:
            raise CallbackRefused(RefusalReason.BAD_SIGNATURE, out_trade_no=form["out_trade_no"][:64])
        state = form.get("trade_status", "")
        return Notice(
            out_trade_no=form["out_trade_no"],
            transaction_id=form.get("trade_no", ""),
            amount=_amount(form.get("total_amount", "")),
            paid=state in PAID_STATES,
            merchant_id=form.get("app_id", ""),
            appid=form.get("app_id", ""),
            paid_at=_time(form.get("gmt_payment")),
            state=state,
        )

    def answer(self, ok: bool, message: str = "") -> tuple[int, str, str]:
        return 200, "text/plain; charset=utf-8", "success" if ok else "fail"
