"""The books: a community's finance settings, chart of accounts, journal entries and lines, number
sequences; the money and price fields every finance model uses."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, User
from sunlit.finance.books.choices import DEBIT_NORMAL, AccountKind, EntrySource
from sunlit.registry.models import Unit

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def price_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=4, **kwargs)


class FinancePolicy(CommunityOwned):
    """FinancePolicy — 收费约定: the community's contract terms the finance app applies.

    Late fees (滞纳金) follow the property service contract: ``late_fee_daily_rate`` of the
    overdue amount per day (0.0003 = 万分之三), starting ``late_fee_grace_days`` after the due
    date, never more than ``late_fee_cap_percent`` of the overdue amount. A tariff change must
    be announced ``notice_days`` before it takes effect. Bills are due ``due_days`` after issue.
    """

    late_fee_daily_rate = models.DecimalField(_("滞纳金日利率"), max_digits=7, decimal_places=6,
                                              default=Decimal("0.000300"))
    late_fee_grace_days = models.PositiveSmallIntegerField(_("宽限天数"), default=30)
    late_fee_cap_percent = models.DecimalField(_("滞纳金上限（占欠费%）"), max_digits=5,
                                               decimal_places=2, default=Decimal("100.00"))
    notice_days = models.PositiveSmallIntegerField(_("调价提前公示天数"), default=30)
    due_days = models.PositiveSmallIntegerField(_("缴费期限（天）"), default=30)
    # public money (task `fund`): an expense above ``dual_approval_above`` needs the manager AND
    # an owners'-committee member; one above ``receipt_required_above`` needs a receipt image
    # (0.00: every expense and every public income needs one).
    dual_approval_above = money_field(_("需业委会共同审批的支出金额（元）"), default=Decimal("5000.00"))
    receipt_required_above = money_field(_("须附票据的金额（元）"), default=Decimal("0.00"))
    # --- charges: collecting late fees (see finance/charges/latefees.py) ---
    late_fee_collect = models.BooleanField(_("收款时收取滞纳金"), default=True)
    late_fee_collect_from = models.DateField(_("滞纳金起算日（重新开启收取之日）"), null=True, blank=True)
    # --- end charges ---
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("收费约定")
        verbose_name_plural = _("收费约定")
        constraints = [models.UniqueConstraint(fields=["community"], name="finance_policy_one")]



class Account(CommunityOwned):
    """Account — 会计科目 of one community's books, with its code (1122 应收账款 ...)."""

    code = models.CharField(_("科目编码"), max_length=10)
    name = models.CharField(_("科目名称"), max_length=40)
    kind = models.CharField(_("类别"), max_length=10, choices=AccountKind.choices)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("会计科目")
        verbose_name_plural = _("会计科目")
        ordering = ["community", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="finance_account_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL

    def balance_of(self, debit: Decimal, credit: Decimal) -> Decimal:
        """The balance on the account's normal side from its debit and credit totals."""
        return debit - credit if self.is_debit_normal else credit - debit



class JournalEntry(CommunityOwned):
    """JournalEntry — 记账凭证: one balanced posting. Written only by ``ledger.post_entries``.

    ``reverses`` names the entry this one cancels, wholly (冲销 of a manual entry, at most once)
    or in part (each refund of a payment): a correction is a new entry, never an edit.
    """

    number = models.CharField(_("凭证号"), max_length=30)
    date = models.DateField(_("记账日期"))
    source = models.CharField(_("来源"), max_length=20, choices=EntrySource.choices)
    memo = models.CharField(_("摘要"), max_length=200)
    total = money_field(_("金额"))
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="reversals")
    posted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_entry_unique_number"),
            models.CheckConstraint(condition=Q(total__gt=0), name="finance_entry_total_positive"),
        ]
        indexes = [models.Index(fields=["community", "date"])]

    def __str__(self) -> str:
        return self.number



class JournalLine(CommunityOwned):
    """JournalLine — 分录: one side of an entry on one account; exactly one of debit and credit
    is positive (the database refuses anything else). ``unit`` ties a line to a household for
    its sub-ledger (payments, refunds, offsets)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = money_field(_("借方"), default=ZERO)
    credit = money_field(_("贷方"), default=ZERO)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    memo = models.CharField(_("摘要"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        ordering = ["entry", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="finance_line_one_side"),
        ]
        indexes = [models.Index(fields=["community", "account"])]



class NumberSequence(CommunityOwned):
    """Counters for entry, bill, payment and refund numbers (``JZ-202601-000001`` ...)."""

    key = models.CharField(max_length=40)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "key"], name="finance_sequence_unique_key"),
        ]

