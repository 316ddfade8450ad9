"""Fee items, tariffs, meters and readings; billing runs, bills, their lines and calculations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import Community, CommunityOwned, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.finance.billing.choices import BillStatus, Cycle, FeeKind, MeterKind, RunStatus
from sunlit.finance.books.models import ZERO, Account, JournalEntry, money_field, price_field
from sunlit.registry.models import Building, Unit


class FeeItemQuerySet(CommunityScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)



class FeeItem(CommunityOwned):
    """FeeItem — 收费项目: what is charged, to which units, how often, into which account.

    ``applies_to`` lists the unit usages charged (住宅, 商铺, 车位 ...); ``meter_kind`` is the
    meter a metered item reads; ``meter`` is the common meter a 公摊 item splits.
    """

    code = models.CharField(_("编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("计费方式"), max_length=20, choices=FeeKind.choices)
    cycle = models.CharField(_("计费周期"), max_length=20, choices=Cycle.choices,
                             default=Cycle.MONTHLY)
    applies_to = models.JSONField(_("适用房屋用途"), default=list)
    meter_kind = models.CharField(_("表计类型"), max_length=20, choices=MeterKind.choices,
                                  blank=True)
    meter = models.ForeignKey("Meter", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="shared_items", verbose_name=_("公摊总表"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("收入科目"))
    is_active = models.BooleanField(_("启用"), default=True)
    sort_key = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FeeItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["community", "sort_key", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="finance_fee_item_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price_unit(self) -> str:
        """What the tariff's price is per: 元/㎡·月, 元/月, 元/吨, 元/次 …"""
        per_cycle = {Cycle.MONTHLY: _("月"), Cycle.QUARTERLY: _("季"), Cycle.YEARLY: _("年")}
        cycle = per_cycle.get(self.cycle)
        if self.kind == FeeKind.AREA:
            return _("元/㎡·%(c)s") % {"c": cycle} if cycle else _("元/㎡")
        if self.kind in (FeeKind.METERED, FeeKind.SHARED):
            kind = self.meter.kind if self.kind == FeeKind.SHARED and self.meter_id else self.meter_kind
            return {MeterKind.WATER: _("元/吨"), MeterKind.ELECTRICITY: _("元/度"),
                    MeterKind.GAS: _("元/立方米")}.get(kind, _("元/单位用量"))
        if self.kind == FeeKind.FIXED and cycle:
            return _("元/%(c)s") % {"c": cycle}
        return _("元/次")


class Tariff(CommunityOwned):
    """Tariff — 收费标准: one version of a fee item's price, valid ``[effective_from,
    effective_to)`` (open-ended when ``effective_to`` is empty). Versions never overlap.

    ``price`` is per m² per month (area), per unit per month (fixed), per unit of usage
    (metered, 公摊) or the amount (one-time, deposit). ``tiers`` (metered only) is a list of
    ``{"upto": "10", "price": "3.50"}`` with the last ``upto`` null: usage up to each bound in
    the period pays that tier's price. A change announces itself ``notice_published_on``.
    """

    fee_item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="tariffs")
    price = price_field(_("单价"))
    tiers = models.JSONField(_("阶梯价格"), default=list, blank=True)
    effective_from = models.DateField(_("生效日"))
    effective_to = models.DateField(_("失效日"), null=True, blank=True)
    notice_published_on = models.DateField(_("公示日期"), null=True, blank=True)
    notice_ref = models.CharField(_("公示文号/链接"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("收费标准")
        verbose_name_plural = _("收费标准")
        ordering = ["fee_item", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["fee_item", "effective_from"],
                                    name="finance_tariff_unique_start"),
            models.CheckConstraint(condition=Q(price__gte=0), name="finance_tariff_price_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="finance_tariff_range"),
        ]

    def __str__(self) -> str:
        return f"{self.fee_item} {self.price} ({self.effective_from}–{self.effective_to or ''})"

    def covers(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)



class Meter(CommunityOwned):
    """Meter — 表计: a unit's own water/electricity/gas meter, or a common meter (no unit)
    whose usage is shared by area (公摊) among the units of ``building`` (all when empty)."""

    kind = models.CharField(_("类型"), max_length=20, choices=MeterKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="meters")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    name = models.CharField(_("名称"), max_length=40, blank=True)
    number = models.CharField(_("表号"), max_length=40, blank=True)  # charges: meter imports

    class Meta:
        verbose_name = _("表计")
        verbose_name_plural = _("表计")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], condition=Q(unit__isnull=False),
                                    name="finance_meter_one_per_unit_kind"),
            models.UniqueConstraint(fields=["community", "number"], condition=~Q(number=""),
                                    name="finance_meter_unique_number"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()}#{self.pk}"



class MeterReading(CommunityOwned):
    """MeterReading — 抄表: a meter's reading at the start and end of one billing month."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings")
    period_start = models.DateField(_("账期"))
    previous = models.DecimalField(_("上期读数"), max_digits=12, decimal_places=2)
    current = models.DecimalField(_("本期读数"), max_digits=12, decimal_places=2)
    read_on = models.DateField(_("抄表日"))
    entered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("抄表记录")
        verbose_name_plural = _("抄表记录")
        constraints = [
            models.UniqueConstraint(fields=["meter", "period_start"], name="finance_reading_unique"),
            models.CheckConstraint(condition=Q(current__gte=F("previous")),
                                   name="finance_reading_not_backwards"),
        ]

    @property
    def usage(self) -> Decimal:
        return self.current - self.previous



class BillingRun(CommunityOwned):
    """BillingRun — 批量计费: all bills of a community for one month, made at once.

    A committed run is unique per community and period (the constraint, not only a check);
    each charge is unique per fee item, unit and period (``BillLine``). ``bills_root`` is the
    RFC 6962 Merkle root over the run's bills (their canonical JSON, in ``Bill.run_index``
    order): the run's event on the log carries it, so every bill is provable without an event
    of its own.
    """

    period_start = models.DateField(_("账期"))
    period_end = models.DateField(_("账期结束（不含）"))
    status = models.CharField(_("状态"), max_length=20, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    bill_count = models.PositiveIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    total = money_field(_("合计"), default=ZERO)
    summary = models.JSONField(default=dict, blank=True)
    bills_root = models.CharField(max_length=64, blank=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("批量计费")
        verbose_name_plural = _("批量计费")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "period_start"],
                                    condition=Q(status="committed"),
                                    name="finance_run_once_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m}"



class BillQuerySet(CommunityScopedQuerySet):
    def unpaid(self):
        return self.exclude(status=BillStatus.PAID)

    def oldest_first(self):
        return self.order_by("due_on", "period_start", "id")



class Bill(CommunityOwned):
    """Bill — 账单: what one unit owes for one period (or one charge), with its lines.

    ``paid`` is kept with ``F()`` by the allocation services; the truth behind it is the
    unit's ``Allocation`` rows. ``digest`` is the RFC 6962 leaf hash of the bill's canonical
    JSON (``billing.bill_document``): SHA-256(0x00 || JSON), a leaf of its run's bill tree.
    """

    # Indexes: the unique (community, number), (run, unit) and the (unit, status, due_on) index
    # serve every lookup, so the foreign keys get no index of their own (a billing run writes
    # 100,000 bills: each index costs).
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    number = models.CharField(_("账单号"), max_length=30)
    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="bills", db_index=False)
    run_index = models.PositiveIntegerField(null=True, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bills", db_index=False)
    period_start = models.DateField(_("账期起"))
    period_end = models.DateField(_("账期止（不含）"))
    issued_on = models.DateField(_("开具日期"))
    due_on = models.DateField(_("缴费期限"))
    amount = money_field(_("应缴金额"))
    paid = money_field(_("已缴金额"), default=ZERO)
    status = models.CharField(_("状态"), max_length=10, choices=BillStatus.choices,
                              default=BillStatus.OPEN)
    digest = models.CharField(max_length=64)

    objects = BillQuerySet.as_manager()

    class Meta:
        verbose_name = _("账单")
        verbose_name_plural = _("账单")
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="finance_bill_unique_number"),
            models.UniqueConstraint(fields=["run", "unit"], name="finance_bill_one_per_run_unit"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_bill_amount_positive"),
            models.CheckConstraint(condition=Q(paid__gte=0) & Q(paid__lte=F("amount")),
                                   name="finance_bill_paid_range"),
        ]
        indexes = [models.Index(fields=["unit", "status", "due_on"]),
                   # arrears reports and reminders: a community's unpaid bills without a scan
                   models.Index(fields=["community", "status", "due_on"], name="finance_bill_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid

    @property
    def period_last(self):
        """The last day of the period (``period_end`` is exclusive)."""
        return self.period_end - dt.timedelta(days=1)

    def status_for(self, paid: Decimal) -> str:
        if paid >= self.amount:
            return BillStatus.PAID
        return BillStatus.PARTIAL if paid > 0 else BillStatus.OPEN



class Calculation(CommunityOwned):
    """Calculation — 计算过程 of one or more bill lines, stored once per community and content
    (``digest``: SHA-256 of its RFC 8785 JSON). Homes of the same area have the same line; at
    100,000 units × 3 lines a month, keeping each distinct calculation once saves the database
    ~90 MB and the billing run the parsing of 300,000 JSON documents. Immutable."""

    digest = models.CharField(max_length=64)
    data = models.JSONField()

    class Meta:
        verbose_name = _("计算过程")
        verbose_name_plural = _("计算过程")
        constraints = [
            models.UniqueConstraint(fields=["community", "digest"], name="finance_calculation_unique"),
        ]



class BillLine(CommunityOwned):
    """BillLine — 账单明细: one fee item of a bill, with the whole calculation kept beside it.

    Unique per fee item, unit and period start: the same charge can never be made twice,
    whichever run or service tries.
    """

    # ``community`` and ``unit`` repeat the bill's (for the unique charge constraint and scoping):
    # the database checks them on the bill, not again on each of its lines. ``fee_item`` has no
    # database foreign-key check either (measured: each check costs as much as the row's insert,
    # and a run writes 300,000 lines); fee items are never deleted (PROTECT in the ORM, no
    # service removes one) and only the billing code writes lines. The unique index
    # (fee_item, unit, period_start) serves the fee item's lookups.
    community = models.ForeignKey(Community, on_delete=models.DO_NOTHING, related_name="+",
                                  db_constraint=False, db_index=False)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    fee_item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="+", db_index=False,
                                 db_constraint=False)
    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                             db_index=False)
    period_start = models.DateField()
    period_end = models.DateField()
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=4)
    price = price_field(_("单价"))
    amount = money_field(_("金额"))
    # No database foreign-key check (see above): calculations are immutable, never deleted, and
    # written in the same transaction as the first line that uses them.
    calc = models.ForeignKey(Calculation, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                             db_index=False, verbose_name=_("计算过程"))

    class Meta:
        verbose_name = _("账单明细")
        verbose_name_plural = _("账单明细")
        ordering = ["bill", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fee_item", "unit", "period_start"],
                                    name="finance_charge_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_line_amount_positive"),
        ]

    @property
    def calculation(self) -> dict:
        """The line's calculation (select_related("calc") when reading many lines)."""
        return self.calc.data

