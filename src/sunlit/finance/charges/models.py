"""Charges beside the bills: late fees collected (滞纳金), waivers (减免), meter-reading imports."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.finance.billing.choices import MeterKind
from sunlit.finance.billing.models import Bill
from sunlit.finance.books.models import JournalEntry, money_field
from sunlit.finance.charges.choices import ImportStatus, WaiverReason, WaiverStatus, WaiverTarget
from sunlit.finance.payments.models import Payment, Refund
from sunlit.registry.models import Unit


class LateFeeCharge(CommunityOwned):
    """LateFeeCharge — 滞纳金收取: the late fee of a bill collected by a payment, as of the
    payment's date. The amount is computed from the contract terms (``calc.late_fee``) at that
    moment — never typed — and posted with the payment (credit 6301). A refund that takes a
    collection back writes a negative row (``refund`` set). Append-only.

    What a bill still owes in late fees on a day is computed: the late fee as of that day,
    less what was collected and waived (``finance.latefees``).
    """

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="late_fee_charges")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="late_fee_charges")
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="late_fee_charges")
    as_of = models.DateField(_("计至"))
    amount = money_field(_("滞纳金"))
    assessed = money_field(_("截至当日应计滞纳金"))
    calculation = models.JSONField(_("计算过程"), default=dict)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("滞纳金收取")
        verbose_name_plural = _("滞纳金收取")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="finance_late_fee_nonzero")]
        indexes = [models.Index(fields=["unit", "bill"])]



class WaiverQuerySet(CommunityScopedQuerySet):
    def pending(self):
        return self.filter(status="pending")



class Waiver(CommunityOwned):
    """Waiver — 减免: a request to forgive part or all of a bill's amount due or of its late fee,
    with a reason, made by finance staff and decided by a *different* person with approval
    rights (manager, company admin). Approved, a bill waiver settles that much of the bill
    (an ``Allocation`` of kind waiver, debit 6009, credit 1122); a late-fee waiver lowers the
    late fee owed from the day of approval. Rejections are kept. Nothing is edited afterwards.
    """

    number = models.CharField(_("减免单号"), max_length=30)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="waivers")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    target = models.CharField(_("减免对象"), max_length=20, choices=WaiverTarget.choices)
    whole = models.BooleanField(_("全额减免"), default=False)
    requested_amount = money_field(_("申请金额"), null=True, blank=True)
    amount = money_field(_("减免金额"), null=True, blank=True)  # fixed on approval
    reason_category = models.CharField(_("减免原因类别"), max_length=20, choices=WaiverReason.choices)
    reason = models.CharField(_("减免原因"), max_length=500)
    status = models.CharField(_("状态"), max_length=20, choices=WaiverStatus.choices,
                              default=WaiverStatus.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_role = models.CharField(_("审批人角色"), max_length=20, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    effective_on = models.DateField(_("生效日"), null=True, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    idempotency_key = models.CharField(max_length=64, blank=True)

    objects = WaiverQuerySet.as_manager()

    class Meta:
        verbose_name = _("减免")
        verbose_name_plural = _("减免")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_waiver_unique_number"),
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""), name="finance_waiver_idempotency"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0),
                                   name="finance_waiver_amount_positive"),
            models.CheckConstraint(condition=Q(whole=True) | Q(requested_amount__gt=0),
                                   name="finance_waiver_requested_amount"),
        ]
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["bill", "status"])]

    def __str__(self) -> str:
        return self.number



class MeterImport(CommunityOwned):
    """MeterImport — 抄表导入: an uploaded file of meter readings of one month and one meter kind,
    validated row by row and kept for the preview; committing writes every reading through
    ``services.record_readings`` in one transaction, or nothing."""

    kind = models.CharField(_("表计类型"), max_length=20, choices=MeterKind.choices)
    period_start = models.DateField(_("账期"))
    create_missing = models.BooleanField(_("为没有表计的房屋新建表计"), default=False)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices,
                              default=ImportStatus.STAGED)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("抄表导入")
        verbose_name_plural = _("抄表导入")
        ordering = ["-uploaded_at", "-id"]

