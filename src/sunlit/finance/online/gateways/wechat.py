"""WeChat Pay API v3 (微信支付) on the ``wechatpayv3`` SDK, in "WeChat Pay public key" mode
(微信支付公钥: no platform-certificate download, so nothing is fetched at start-up).

Orders: Native (a ``code_url`` shown as a QR code) on a computer, H5 (``h5_url``) on a phone
browser when the merchant has the H5 product (``h5`` in the configuration).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import quote

from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import load_public_key, rsa_verify

from sunlit.finance.online.choices import RefusalReason
from sunlit.finance.online.gateways import (
    MAX_CLOCK_SKEW,
    CallbackRefused,
    Gateway,
    GatewayError,
    Notice,
    OrderRequest,
    PayAction,
)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


def _fen_to_yuan(fen) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise CallbackRefused(RefusalReason.MALFORMED, "amount.total")
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _parse_time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


class WeChatGateway(Gateway):
    provider = "wechat"

    def __init__(self, config):
        super().__init__(config)
        self._client = None

    @property
    def client(self) -> WeChatPay:
        if self._client is None:
            c = self.config
            self._client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=c.merchant_id,
                private_key=c.private_key,
                cert_serial_no=c.cert_serial_no,
                appid=c.appid,
                apiv3_key=c.apiv3_key,
                public_key=c.public_key,
                public_key_id=c.public_key_id,
                timeout=(5, 15),
            )
            if c.api_base:  # the SDK has no parameter for it
                self._client._core._gate_way = c.api_base.rstrip("/")
        return self._client

    # --- orders -------------------------------------------------------------------------------

    def create_order(self, order: OrderRequest) -> PayAction:
        h5 = self.config.h5 and order.mobile
        kwargs = {
            "description": order.description[:127],
            "out_trade_no": order.out_trade_no,
            "amount": {"total": int(order.amount * 100), "currency": "CNY"},
            "time_expire": order.expires_at.isoformat(timespec="seconds"),
            "notify_url": order.notify_url,
            "pay_type": WeChatPayType.H5 if h5 else WeChatPayType.NATIVE,
        }
        if h5:
            kwargs["scene_info"] = {"payer_client_ip": order.client_ip, "h5_info": {"type": "Wap"}}
        try:
            code, message = self.client.pay(**kwargs)
        except Exception as exc:  # network errors, a response whose signature does not verify
            raise GatewayError(f"微信支付下单失败：{exc}") from exc
        if code != 200:
            raise GatewayError(f"微信支付下单失败（{code}）：{str(message)[:200]}")
        data = json.loads(message)
        if h5:
            return PayAction("redirect", f"{data['h5_url']}&redirect_url={quote(order.return_url, safe='')}")
        return PayAction("qr", data["code_url"])

    def query(self, out_trade_no: str) -> Notice | None:
        try:
            code, message = self.client.query(out_trade_no=out_trade_no)
        except Exception as exc:
            raise GatewayError(f"微信支付查询失败：{exc}") from exc
        if code == 404:
            return None
        if code != 200:
            raise GatewayError(f"微信支付查询失败（{code}）")
        return self._notice(json.loads(message))

    # --- notifications ----------------------------------------------------------------------

    def parse_callback(self, headers: dict[str, str], body: bytes, *, now: dt.datetime) -> Notice:
        h = {k.lower(): v for k, v in headers.items()}
        timestamp, nonce = h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", "")
        signature, serial = h.get("wechatpay-signature", ""), h.get("wechatpay-serial", "")
        if not (timestamp and nonce and signature and serial):
            raise CallbackRefused(RefusalReason.MALFORMED, "缺少 Wechatpay-* 签名头")
        if h.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise CallbackRefused(RefusalReason.BAD_SIGNATURE, "不支持的签名算法")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRefused(RefusalReason.MALFORMED, "通知不是 UTF-8 文本") from None
        if serial != self.config.public_key_id:
            raise CallbackRefused(RefusalReason.BAD_SIGNATURE, "未知的微信支付公钥 ID")
        if not rsa_verify(timestamp, nonce, text, signature, load_public_key(self.config.public_key)):
            raise CallbackRefused(RefusalReason.BAD_SIGNATURE)
        # signed, so the timestamp is the provider's: refuse a replay of an old notification
        try:
            sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise CallbackRefused(RefusalReason.MALFORMED, "Wechatpay-Timestamp") from None
        if abs(now - sent) > MAX_CLOCK_SKEW:
            raise CallbackRefused(RefusalReason.STALE, f"Wechatpay-Timestamp {timestamp}")
        try:
            # the SDK verifies the signature again (the same public key) and decrypts the resource
            data = self.client.callback(
                {
                    "Wechatpay-Signature": signature,
                    "Wechatpay-Timestamp": timestamp,
                    "Wechatpay-Nonce": nonce,
                    "Wechatpay-Serial": serial,
                    "Wechatpay-Signature-Type": SIGNATURE_TYPE,
                },
                text,
            )
        except Exception as exc:  # an unsupported algorithm, JSON that does not parse
            raise CallbackRefused(RefusalReason.MALFORMED, str(exc)[:200]) from None
        if not data or not isinstance(data.get("resource"), dict):
            raise CallbackRefused(RefusalReason.DECRYPT_FAILED)
        return self._notice(data["resource"])

    def _notice(self, resource: dict) -> Notice:
        amount = resource.get("amount") or {}
        if not isinstance(amount, dict) or amount.get("currency", "CNY") != "CNY":
            raise CallbackRefused(RefusalReason.MALFORMED, "amount")
        out_trade_no = str(resource.get("out_trade_no") or "")
        if not out_trade_no:
            raise CallbackRefused(RefusalReason.MALFORMED, "out_trade_no")
        state = str(resource.get("trade_state") or "")
        return Notice(
            out_trade_no=out_trade_no,
            transaction_id=str(resource.get("transaction_id") or ""),
            amount=_fen_to_yuan(amount.get("total")),
            paid=state == "SUCCESS",
            merchant_id=str(resource.get("mchid") or ""),
            appid=str(resource.get("appid") or ""),
            paid_at=_parse_time(resource.get("success_time")),
            state=state,
        )

    def answer(self, ok: bool, message: str = "") -> tuple[int, str, str]:
        if ok:
            return 200, "application/json", json.dumps({"code": "SUCCESS", "message": "成功"})
        return (
            400,
            "application/json",
            json.dumps({"code": "FAIL", "message": message or "失败"}, ensure_ascii=False),
        )
