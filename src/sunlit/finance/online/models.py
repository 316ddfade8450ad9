"""Online payments: a household's payment order and the refused payment notifications."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import Community, CommunityOwned, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.finance.books.models import money_field
from sunlit.finance.online.choices import OrderStatus, Provider, RefusalReason
from sunlit.finance.payments.models import Payment
from sunlit.registry.models import Unit


class PaymentOrder(CommunityOwned):
    """PaymentOrder — 支付订单: an owner's request to pay bills online through a provider.

    ``out_trade_no`` is the merchant order number the provider knows the order by (unique
    everywhere); ``bills`` is what was picked, as it stood when the order was made (id, number,
    period, outstanding). The provider's callback turns a ``created`` order into ``paid`` and
    records its ``Payment`` once: the status changes under a row lock, ``transaction_id`` is
    unique per provider, and the payment's idempotency key is the order number.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="payment_orders")
    provider = models.CharField(_("支付渠道"), max_length=10, choices=Provider.choices)
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    amount = money_field(_("金额"))
    bills = models.JSONField(_("所缴账单"), default=list)
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices,
                              default=OrderStatus.CREATED)
    created_at = models.DateTimeField(_("下单时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("支付截止时间"))
    payer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("付款人"))
    idempotency_key = models.CharField(max_length=64, blank=True)
    sandbox = models.BooleanField(_("模拟支付"), default=False)
    pay_data = models.JSONField(default=dict, blank=True)
    transaction_id = models.CharField(_("渠道交易号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="order")
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("支付订单")
        verbose_name_plural = _("支付订单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"],
                                    condition=~Q(transaction_id=""),
                                    name="finance_order_transaction_once"),
            models.UniqueConstraint(fields=["community", "payer", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="finance_order_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_order_amount_positive"),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="finance_order_unit_status")]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def amount_fen(self) -> int:
        return int(self.amount * 100)

    def is_expired(self, now) -> bool:
        return now >= self.expires_at



class CallbackRefusal(models.Model):
    """CallbackRefusal — 回调拒收记录: a payment notification that was refused (bad signature,
    wrong amount, unknown or closed order ...). Nothing else is written for it; finance staff
    see and count these. No personal data: the raw request is kept only as SHA-256 digests.
    ``community`` is empty when the notification could not be tied to an order."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True)
    provider = models.CharField(_("支付渠道"), max_length=10, choices=Provider.choices, blank=True)
    reason = models.CharField(_("原因"), max_length=30, choices=RefusalReason.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    out_trade_no = models.CharField(_("商户订单号"), max_length=64, blank=True)
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="refusals")
    amount_seen = money_field(_("通知金额"), null=True, blank=True)
    headers_sha256 = models.CharField(max_length=64)
    body_sha256 = models.CharField(max_length=64)
    body_size = models.PositiveIntegerField(default=0)
    remote_addr = models.CharField(_("来源地址"), max_length=45, blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回调拒收记录")
        verbose_name_plural = _("回调拒收记录")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["community", "received_at"], name="finance_refusal_recent")]

    def __str__(self) -> str:
        return f"{self.provider} {self.reason} {self.out_trade_no}"

