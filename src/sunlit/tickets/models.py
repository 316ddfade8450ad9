"""Repairs, complaints, suggestions and inquiries: categories, SLA targets, tickets, timelines."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, Department, Membership, Person, Upload, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.registry.models import Building, Unit
from sunlit.tickets.choices import (
    CLOSED_STATUSES,
    OPEN_WORK_STATUSES,
    Action,
    Channel,
    EscalationLevel,
    Priority,
    QuoteStatus,
    SlaCalendar,
    SlaStep,
    TicketKind,
    TicketStatus,
)


class WorkCalendarDay(models.Model):
    """WorkCalendarDay — 工作日历: whether one date is a working day (holidays, 调休 make-up days).

    Platform-wide data, not per community. Seeded from the ``chinesecalendar`` package (which
    knows the State Council's schedule up to the year it was released for); later years are
    entered by staff in Django admin or with ``sunlit load-holidays``. A date without a row
    falls back to Monday–Friday.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}".strip()


class CategoryQuerySet(CommunityScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class Category(CommunityOwned):
    """Category — 工单类别 of one community (水电, 电梯, 噪音扰民 ...), with its department."""

    name = models.CharField(_("名称"), max_length=30)
    kind = models.CharField(_("类型"), max_length=20, choices=TicketKind.choices)
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("责任部门"))
    default_priority = models.CharField(_("默认优先级"), max_length=10, choices=Priority.choices,
                                        default=Priority.NORMAL)
    is_active = models.BooleanField(_("启用"), default=True)
    auto_dispatch = models.BooleanField(
        _("自动派单"), default=False,
        help_text=_("提交后自动派给责任部门中在岗、具备该技能且手头工单最少的工作人员"))
    sort_key = models.PositiveIntegerField(default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单类别")
        verbose_name_plural = _("工单类别")
        ordering = ["community", "kind", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind", "name"],
                                    name="ticket_category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(CommunityOwned):
    """SlaTarget — 服务时限: the promised times of one category at one priority.

    Each target is in minutes and counted in its own calendar (24×7 or working time); an
    empty target means nothing is promised for that step. Categories without a row use
    ``sla.DEFAULT_TARGETS``.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sla_targets")
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices)
    accept_minutes = models.PositiveIntegerField(_("受理时限(分钟)"), null=True, blank=True)
    accept_calendar = models.CharField(max_length=10, choices=SlaCalendar.choices,
                                       default=SlaCalendar.ALWAYS)
    arrive_minutes = models.PositiveIntegerField(_("到场时限(分钟)"), null=True, blank=True)
    arrive_calendar = models.CharField(max_length=10, choices=SlaCalendar.choices,
                                       default=SlaCalendar.ALWAYS)
    resolve_minutes = models.PositiveIntegerField(_("办结时限(分钟)"), null=True, blank=True)
    resolve_calendar = models.CharField(max_length=10, choices=SlaCalendar.choices,
                                        default=SlaCalendar.WORKING)

    class Meta:
        verbose_name = _("服务时限")
        verbose_name_plural = _("服务时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="sla_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class TicketQuerySet(CommunityScopedQuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def assigned_to(self, user):
        return self.filter(assignee__user=user)

    def open_load(self):
        """Open tickets counted against their assignee (dispatched, on site or suspended)."""
        return self.filter(status__in=OPEN_WORK_STATUSES)


class Ticket(CommunityOwned):
    """Ticket — 工单: one repair, complaint, suggestion or inquiry and where it stands.

    ``reporter`` is the person on the roster the ticket is for; ``reporter_user`` his account
    when he has one; ``created_by`` the account that submitted it (the owner himself, or
    customer service taking a phone call). Due and met fields are the promised times as
    computed when the step became due, moved by pauses (挂起).
    """

    number = models.CharField(_("工单号"), max_length=24)
    kind = models.CharField(_("类型"), max_length=20, choices=TicketKind.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets",
                                 verbose_name=_("类别"))
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices)
    status = models.CharField(_("状态"), max_length=20, choices=TicketStatus.choices,
                              default=TicketStatus.PENDING)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices,
                               default=Channel.APP)
    title = models.CharField(_("标题"), max_length=60)
    description = models.TextField(_("描述"), max_length=2000)
    # who
    reporter = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="tickets", verbose_name=_("报事人"))
    reporter_user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="reported_tickets")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    # where: the reporter's own unit, or a common area by building / floor / words
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="tickets", verbose_name=_("房屋"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("楼栋"))
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    location_text = models.CharField(_("位置说明"), max_length=100, blank=True)
    preferred_from = models.DateTimeField(_("预约时间起"), null=True, blank=True)
    preferred_to = models.DateTimeField(_("预约时间止"), null=True, blank=True)
    photo_count = models.PositiveSmallIntegerField(default=0)
    is_chargeable = models.BooleanField(_("有偿服务"), default=False)
    labor_minutes = models.PositiveIntegerField(_("用时(分钟)"), null=True, blank=True)
    # who works on it
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("责任部门"))
    assignee = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_tickets", verbose_name=_("处理人"))
    # promised times (SLA) and whether they were kept
    due_accept = models.DateTimeField(null=True, blank=True)
    due_arrive = models.DateTimeField(null=True, blank=True)
    due_resolve = models.DateTimeField(null=True, blank=True, db_index=True)
    met_accept = models.BooleanField(null=True, blank=True)
    met_arrive = models.BooleanField(null=True, blank=True)
    met_resolve = models.BooleanField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    suspended_from = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    # outcome
    public_reason = models.CharField(_("公开说明"), max_length=300, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(
        _("评分"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    needs_manager_review = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=64, blank=True)
    # when
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="ticket_unique_number"),
            models.UniqueConstraint(fields=["created_by", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="ticket_unique_idempotency_key"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="ticket_rating_range"),
        ]
        indexes = [
            models.Index(fields=["community", "status", "due_resolve"]),
            # the weekly board: tickets raised in a week, and those closed after its start
            models.Index(fields=["community", "created_at"]),
            models.Index(fields=["community", "closed_at"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_common_area(self) -> bool:
        return self.unit_id is None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def next_due(self):
        """The earliest promised time not yet kept (what the queue counts down to)."""
        pending = [due for due, met in ((self.due_accept, self.met_accept),
                                        (self.due_arrive, self.met_arrive),
                                        (self.due_resolve, self.met_resolve))
                   if due is not None and met is None]
        return min(pending, default=None)

    def is_overdue(self, now) -> bool:
        due = self.next_due()
        return not self.is_closed and not self.is_paused and due is not None and due < now


class TicketEvent(CommunityOwned):
    """TicketEvent — 工单进度: one step of a ticket's timeline (who, when, from → to, note).

    Append-only. ``is_public`` notes are shown to the reporter (and on common-area tickets to
    the community); the others are internal.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=50, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    is_public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("工单进度")
        verbose_name_plural = _("工单进度")
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.from_status}→{self.to_status}"


class TicketSequence(CommunityOwned):
    """The last number given out per community, prefix and day (BX-20261121 → 1, 2, ...)."""

    key = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "key"], name="ticket_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class TicketPhoto(CommunityOwned):
    """TicketPhoto — 工单照片: a photo taken at submission or at one step (up to 9 each)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(TicketEvent, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="photos")
    upload = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("工单照片")
        verbose_name_plural = _("工单照片")
        ordering = ["ticket", "event", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "upload"], name="ticket_photo_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.upload_id}"


class Skill(CommunityOwned):
    """Skill — 技能: a staff member can handle tickets of this category (used by auto-dispatch)."""

    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="skills",
                               verbose_name=_("工作人员"))
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="skills",
                                 verbose_name=_("类别"))

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="ticket_skill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.category_id}"


class ShiftQuerySet(CommunityScopedQuerySet):
    def on_duty(self, at):
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class Shift(CommunityOwned):
    """Shift — 排班: a staff member is on duty from ``starts_at`` to ``ends_at``."""

    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="shifts",
                               verbose_name=_("工作人员"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    note = models.CharField(_("备注"), max_length=100, blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["community", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="shift_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class Quote(CommunityOwned):
    """Quote — 报价: the price of a chargeable in-home repair, which the owner must accept
    before the work starts. A new quote supersedes the pending one; decisions are final."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="quotes")
    amount = models.DecimalField(_("金额(元)"), max_digits=10, decimal_places=2)
    items = models.JSONField(_("明细"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=QuoteStatus.choices,
                              default=QuoteStatus.PENDING)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("报价")
        verbose_name_plural = _("报价")
        ordering = ["ticket", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="quote_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ¥{self.amount} {self.status}"


class MaterialUse(CommunityOwned):
    """MaterialUse — 材料: what was used on a ticket (name, quantity, unit, price if charged)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="materials")
    event = models.ForeignKey(TicketEvent, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("单价(元)"), max_digits=10, decimal_places=2,
                                     null=True, blank=True)

    class Meta:
        verbose_name = _("材料")
        verbose_name_plural = _("材料")
        ordering = ["ticket", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="material_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}{self.unit}"


class Escalation(CommunityOwned):
    """Escalation — 超时提醒/升级: one warning or escalation sent for one promised time.

    The schedule claims each (ticket, step, level, due) by inserting this row: the unique
    constraint makes two workers, or two runs, send it once. A due time moved by a pause or a
    reopening is a new ``due`` and arms the levels again.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(max_length=10, choices=SlaStep.choices)
    level = models.CharField(max_length=10, choices=EscalationLevel.choices)
    due = models.DateTimeField()
    at = models.DateTimeField(default=timezone.now)
    notified = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("超时升级")
        verbose_name_plural = _("超时升级")
        ordering = ["ticket", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "step", "level", "due"],
                                    name="ticket_escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.step} {self.level}"
