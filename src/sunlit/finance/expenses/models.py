"""Public income (公共收益) and expenses (支出) with their approval steps."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, Upload, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.finance.books.models import JournalEntry, money_field
from sunlit.finance.expenses.choices import (
    ApproverSide,
    ExpenseAction,
    ExpenseCategory,
    ExpenseStatus,
    MoneyMethod,
    PublicIncomeCategory,
)


class PublicIncome(CommunityOwned):
    """PublicIncome — 公共收益: money earned with the owners' common parts (advertising, venue
    and parking rent, lockers and chargers). Posted debit bank/cash, credit 2243; the payer is
    a company, never a person; the contract or receipt images' SHA-256 are on the log."""

    number = models.CharField(_("编号"), max_length=30)
    category = models.CharField(_("类别"), max_length=20, choices=PublicIncomeCategory.choices)
    payer = models.CharField(_("付款单位"), max_length=100)
    amount = money_field(_("金额"))
    received_on = models.DateField(_("收款日期"))
    method = models.CharField(_("收款账户"), max_length=4, choices=MoneyMethod.choices,
                              default=MoneyMethod.BANK)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    receipts = models.ManyToManyField(Upload, blank=True, related_name="+",
                                      verbose_name=_("合同/收据图片"))
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("公共收益")
        verbose_name_plural = _("公共收益")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_income_unique_number"),
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""), name="finance_income_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_income_positive"),
        ]

    def __str__(self) -> str:
        return self.number



class ExpenseQuerySet(CommunityScopedQuerySet):
    def awaiting_approval(self):
        return self.filter(status=ExpenseStatus.SUBMITTED)



class Expense(CommunityOwned):
    """Expense — 支出: money paid to a company for the community, with its receipts.

    ``draft → submitted → approved → posted`` (or ``rejected``, with the reason). Submitting
    fixes whether the committee must approve too (``needs_committee``: the amount is above the
    community's ``dual_approval_above``). The approval trail is ``ExpenseStep``; posting pays it
    through ``ledger.post_entries`` (debit the category's account, credit bank or cash).
    """

    number = models.CharField(_("支出编号"), max_length=30)
    category = models.CharField(_("支出类别"), max_length=10, choices=ExpenseCategory.choices)
    payee = models.CharField(_("收款单位"), max_length=100)
    amount = money_field(_("金额"))
    spent_on = models.DateField(_("支出日期"))
    description = models.CharField(_("用途说明"), max_length=500)
    method = models.CharField(_("付款账户"), max_length=4, choices=MoneyMethod.choices,
                              default=MoneyMethod.BANK)
    receipts = models.ManyToManyField(Upload, blank=True, related_name="+",
                                      verbose_name=_("发票/收据图片"))
    status = models.CharField(_("状态"), max_length=20, choices=ExpenseStatus.choices,
                              default=ExpenseStatus.DRAFT)
    needs_committee = models.BooleanField(_("需业委会审批"), default=False)
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = ExpenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_expense_unique_number"),
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""), name="finance_expense_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_expense_positive"),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def sides_needed(self) -> list[str]:
        return [ApproverSide.MANAGER, *([ApproverSide.COMMITTEE] if self.needs_committee else [])]



class ExpenseStep(CommunityOwned):
    """ExpenseStep — 审批记录: one step of an expense's trail (created, submitted, approved by
    one side, rejected, posted), by whom and in which role. The database refuses a second
    approval by the same person and two approvals by the same side."""

    expense = models.ForeignKey(Expense, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=20, choices=ExpenseAction.choices)
    side = models.CharField(_("审批方"), max_length=20, choices=ApproverSide.choices, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_name = models.CharField(_("经办人"), max_length=50)
    note = models.CharField(_("意见"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["expense", "actor"], condition=Q(action="approved"),
                                    name="finance_expense_one_approval_per_person"),
            models.UniqueConstraint(fields=["expense", "side"], condition=Q(action="approved"),
                                    name="finance_expense_one_approval_per_side"),
        ]

