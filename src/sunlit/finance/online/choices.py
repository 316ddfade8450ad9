"""Choice sets of online: payment providers, order states, the reasons a notification is refused."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges

# --- online payments (finance.online, finance.online.gateways) -------------------------------------------


class Provider(models.TextChoices):
    """A payment provider an owner pays through online (线上支付渠道)."""

    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


class OrderStatus(models.TextChoices):
    """The state of an online payment order (支付订单)."""

    CREATED = "created", _("待支付")
    PAID = "paid", _("已支付")
    CLOSED = "closed", _("已关闭")
    FAILED = "failed", _("下单失败")


badges.register("finance.paymentorder", {OrderStatus.PAID: "green", OrderStatus.CREATED: "blue"})


class RefusalReason(models.TextChoices):
    """Why a payment callback was refused (回调拒收原因): kept, counted and shown to finance."""

    BAD_SIGNATURE = "bad_signature", _("签名无效")
    STALE = "stale", _("通知时间超出允许范围")
    MALFORMED = "malformed", _("通知格式错误")
    DECRYPT_FAILED = "decrypt_failed", _("通知内容无法解密")
    WRONG_MERCHANT = "wrong_merchant", _("商户号或应用 ID 不符")
    UNKNOWN_ORDER = "unknown_order", _("订单不存在")
    WRONG_AMOUNT = "wrong_amount", _("金额与订单不符")
    ORDER_CLOSED = "order_closed", _("订单已关闭或已过期")
    DUPLICATE_TRANSACTION = "duplicate_transaction", _("交易号已用于另一订单")
    NOT_CONFIGURED = "not_configured", _("该支付渠道未启用")
