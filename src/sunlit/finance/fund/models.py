"""The maintenance fund (专项维修资金): each unit's account, deposits and uses."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, Upload, User
from sunlit.finance.books.models import ZERO, JournalEntry, money_field
from sunlit.finance.expenses.choices import MoneyMethod
from sunlit.finance.fund.choices import FundBasis, FundDepositKind, FundScope, FundUseStatus
from sunlit.registry.models import Building, Unit


class FundAccount(CommunityOwned):
    """FundAccount — 维修资金分户账 of one unit: its balance, kept with ``F()`` beside the
    journal lines on 2244 that carry the unit (those lines are the household's statement and
    the truth). Never negative: a use that would overdraw a household is refused."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="fund_account")
    balance = money_field(_("余额"), default=ZERO)

    class Meta:
        verbose_name = _("维修资金分户账")
        verbose_name_plural = _("维修资金分户账")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0),
                                              name="finance_fund_not_negative")]



class FundDeposit(CommunityOwned):
    """FundDeposit — 维修资金归集: money paid into the maintenance fund for one or more units
    (the initial contribution at area × rate, or deposits recorded one by one). Each unit's
    amount is a credit line on 2244 with the unit; ``split_root`` is the Merkle root over
    the per-unit amounts (on the log)."""

    number = models.CharField(_("编号"), max_length=30)
    kind = models.CharField(_("类型"), max_length=20, choices=FundDepositKind.choices)
    deposited_on = models.DateField(_("日期"))
    rate = models.DecimalField(_("标准（元/㎡）"), max_digits=10, decimal_places=2, null=True,
                               blank=True)
    total = money_field(_("合计"))
    units = models.PositiveIntegerField(_("户数"))
    memo = models.CharField(_("摘要"), max_length=200)
    method = models.CharField(_("收款账户"), max_length=4, choices=MoneyMethod.choices,
                              default=MoneyMethod.BANK)
    split_root = models.CharField(max_length=64)
    entries = models.ManyToManyField(JournalEntry, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("维修资金归集")
        verbose_name_plural = _("维修资金归集")
        ordering = ["-deposited_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_fund_deposit_number"),
            models.CheckConstraint(condition=Q(total__gt=0), name="finance_fund_deposit_positive"),
        ]

    def __str__(self) -> str:
        return self.number



class FundUse(CommunityOwned):
    """FundUse — 维修资金使用: works paid from the maintenance fund, split by area among the
    units that benefit (largest remainder: the shares sum to the cost exactly).

    The basis is EITHER an owners' vote on "使用维修资金" (art. 278 item 5) whose result was
    published as passed (``vote``) OR the emergency procedure (应急使用: reason, documents, the
    manager's and a committee member's approval, reported on the log). A vote-based use is
    posted at once; an emergency one waits in ``pending`` for both approvals.
    """

    number = models.CharField(_("编号"), max_length=30)
    title = models.CharField(_("工程项目"), max_length=100)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    contractor = models.CharField(_("施工/收款单位"), max_length=100)
    amount = money_field(_("金额"))
    used_on = models.DateField(_("支付日期"))
    basis = models.CharField(_("依据"), max_length=20, choices=FundBasis.choices)
    vote = models.ForeignKey("governance.Vote", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="fund_uses", verbose_name=_("业主表决"))
    emergency_reason = models.CharField(_("应急事由"), max_length=500, blank=True)
    documents = models.ManyToManyField(Upload, blank=True, related_name="+",
                                       verbose_name=_("票据与证明材料"))
    scope = models.CharField(_("受益范围"), max_length=20, choices=FundScope.choices)
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("楼栋"))
    beneficiaries = models.JSONField(_("受益房屋"), default=list)
    area_total = models.DecimalField(_("受益面积合计"), max_digits=14, decimal_places=2, default=ZERO)
    split = models.JSONField(_("分摊明细"), default=list)
    split_root = models.CharField(max_length=64, blank=True)
    method = models.CharField(_("付款账户"), max_length=4, choices=MoneyMethod.choices,
                              default=MoneyMethod.BANK)
    status = models.CharField(_("状态"), max_length=20, choices=FundUseStatus.choices)
    manager_approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                            related_name="+")
    manager_approved_at = models.DateTimeField(null=True, blank=True)
    committee_approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                              related_name="+")
    committee_approved_at = models.DateTimeField(null=True, blank=True)
    entries = models.ManyToManyField(JournalEntry, blank=True, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("维修资金使用")
        verbose_name_plural = _("维修资金使用")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_fund_use_number"),
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""), name="finance_fund_use_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_fund_use_positive"),
            models.CheckConstraint(
                condition=(Q(basis="vote") & Q(vote__isnull=False))
                | (Q(basis="emergency") & Q(vote__isnull=True) & ~Q(emergency_reason="")),
                name="finance_fund_use_has_basis"),
        ]

    def __str__(self) -> str:
        return self.number

