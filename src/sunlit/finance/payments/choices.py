"""Choice sets of payments: payment methods and the kinds of allocations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    POS = "pos", _("POS 刷卡")
    TRANSFER = "transfer", _("银行转账")
    # online (finance.online): the money arrives in 1012 POS 及第三方支付 like POS takings
    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


COUNTER_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.POS, PaymentMethod.TRANSFER})


class AllocationKind(models.TextChoices):
    PAYMENT = "payment", _("收款核销")
    PREPAID = "prepaid", _("预存款抵扣")
    REFUND = "refund", _("退款撤销核销")
    WAIVER = "waiver", _("减免")  # charges: an approved waiver settles part of a bill
