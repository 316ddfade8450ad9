"""Payment providers behind one small interface — 线上支付渠道适配.

Each adapter wraps the provider's Python SDK (``wechatpayv3`` for WeChat Pay API v3,
``python-alipay-sdk`` for Alipay) and does three things: create an order (a QR code or a page
to send the payer to), verify and parse a payment notification (签名验证; WeChat: RSA-SHA256
over ``timestamp\\nnonce\\nbody\\n`` with the WeChat Pay public key, the resource decrypted with
AES-256-GCM under the APIv3 key; Alipay: RSA2 over the sorted parameters), and query an order.
Adapters know nothing of the database: ``finance.online`` decides what a notification means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sunlit.finance.online.choices import Provider, RefusalReason
from sunlit.finance.online.gateways.config import ProviderConfig, config_for, local_sandbox_enabled

__all__ = [
    "CallbackRefused",
    "Gateway",
    "GatewayError",
    "Notice",
    "OrderRequest",
    "PayAction",
    "gateway_for",
    "local_sandbox_enabled",
]

#: how far a WeChat notification's timestamp may be from our clock (replayed notifications)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


class GatewayError(Exception):
    """The provider refused or could not be reached while creating or querying an order."""


class CallbackRefused(Exception):
    """A notification that must not be acted on; ``reason`` is a ``RefusalReason``."""

    def __init__(
        self, reason: str, detail: str = "", *, out_trade_no: str = "", amount: Decimal | None = None
    ):
        super().__init__(detail or str(RefusalReason(reason).label))
        self.reason, self.detail = reason, detail
        self.out_trade_no, self.amount = out_trade_no, amount


@dataclass(frozen=True)
class OrderRequest:
    """What an adapter needs to create an order at the provider."""

    out_trade_no: str
    amount: Decimal
    description: str
    expires_at: dt.datetime
    notify_url: str
    return_url: str
    mobile: bool = True
    client_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class PayAction:
    """Where the payer goes next: ``redirect`` to a URL, or scan a ``qr`` code (Native pay)."""

    kind: str
    url: str


@dataclass(frozen=True)
class Notice:
    """A verified notification (or query answer): what the provider says about an order."""

    out_trade_no: str
    transaction_id: str
    amount: Decimal
    paid: bool
    merchant_id: str
    appid: str
    paid_at: dt.datetime | None = None
    state: str = ""


class Gateway:
    """The interface every provider's adapter implements."""

    provider: str = ""

    def __init__(self, config: ProviderConfig):
        self.config = config

    @property
    def simulated(self) -> bool:
        return self.config.simulated

    def create_order(self, order: OrderRequest) -> PayAction:
        raise NotImplementedError

    def parse_callback(self, headers: dict[str, str], body: bytes, *, now: dt.datetime) -> Notice:
        raise NotImplementedError

    def query(self, out_trade_no: str) -> Notice | None:
        raise NotImplementedError

    def answer(self, ok: bool, message: str = "") -> tuple[int, str, str]:
        """(status, content type, body) the provider expects in reply to a notification."""
        raise NotImplementedError

    def check_merchant(self, notice: Notice) -> None:
        if notice.merchant_id != self.config.merchant_id or notice.appid != self.config.appid:
            raise CallbackRefused(
                RefusalReason.WRONG_MERCHANT,
                f"{notice.merchant_id}/{notice.appid}",
                out_trade_no=notice.out_trade_no,
                amount=notice.amount,
            )


def gateway_for(provider: str, community_code: str = "") -> Gateway | None:
    """The adapter in force for ``provider`` in a community, or None when it is off."""
    config = config_for(provider, community_code)
    if config is None:
        return None
    if provider == Provider.WECHAT:
        from sunlit.finance.online.gateways.wechat import WeChatGateway

        return WeChatGateway(config)
    from sunlit.finance.online.gateways.alipay import AlipayGateway

    return AlipayGateway(config)
