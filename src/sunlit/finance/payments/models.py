"""Payments (收款), their allocations to bills (核销), prepaid balances (预存款) and refunds (退款)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, User
from sunlit.finance.billing.models import Bill
from sunlit.finance.books.models import ZERO, JournalEntry, money_field
from sunlit.finance.payments.choices import AllocationKind, PaymentMethod
from sunlit.registry.models import Unit


class Payment(CommunityOwned):
    """Payment — 收款: money received for a unit (at the counter, later online).

    What it paid is in its ``Allocation`` rows; the rest went to the unit's prepaid balance.
    ``refunded`` grows with each refund (never above ``amount``).
    """

    number = models.CharField(_("收据号"), max_length=30)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("收款方式"), max_length=20, choices=PaymentMethod.choices)
    amount = money_field(_("金额"))
    to_prepaid = money_field(_("转入预存"), default=ZERO)
    refunded = money_field(_("已退款"), default=ZERO)
    reference = models.CharField(_("交易参考号"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("收款时间"))
    received_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    idempotency_key = models.CharField(max_length=64, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("收款")
        verbose_name_plural = _("收款")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_payment_unique_number"),
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="finance_payment_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_payment_positive"),
            models.CheckConstraint(condition=Q(refunded__gte=0) & Q(refunded__lte=F("amount")),
                                   name="finance_payment_refund_range"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded



class Allocation(CommunityOwned):
    """Allocation — 核销: an amount of a payment (or of the prepaid balance) applied to a bill;
    negative when a refund takes it back. Append-only."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="allocations")
    kind = models.CharField(max_length=10, choices=AllocationKind.choices)
    amount = money_field(_("金额"))
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("核销")
        verbose_name_plural = _("核销")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="finance_allocation_nonzero")]
        # (aging and collection reports: the allocations after a date, the refunds)
        indexes = [models.Index(fields=["community", "created_at"], name="finance_alloc_time"),
                   models.Index(fields=["community"], condition=Q(kind="refund"),
                                name="finance_alloc_refunds")]



class PrepaidBalance(CommunityOwned):
    """PrepaidBalance — 预存款余额 of one unit; changes with ``F()`` beside a journal line on
    2203 预收账款 (the books stay the truth)."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="prepaid")
    balance = money_field(_("余额"), default=ZERO)

    class Meta:
        verbose_name = _("预存款余额")
        verbose_name_plural = _("预存款余额")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0),
                                              name="finance_prepaid_not_negative")]



class Refund(CommunityOwned):
    """Refund — 退款: part or all of a payment given back, posted as a reversing entry."""

    number = models.CharField(_("退款单号"), max_length=30)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field(_("金额"))
    reason = models.CharField(_("原因"), max_length=200)
    refunded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    refunded_at = models.DateTimeField(default=timezone.now)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_refund_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_refund_positive"),
        ]

