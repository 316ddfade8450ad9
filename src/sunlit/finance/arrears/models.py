"""Arrears: reminder templates, rules and the reminders sent (催缴); the aging and collection
reports are read-only (``selectors``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, User
from sunlit.finance.arrears.choices import ReminderChannel, ReminderTrigger
from sunlit.finance.books.models import money_field
from sunlit.registry.models import Unit


class ReminderTemplate(CommunityOwned):
    """ReminderTemplate — 催缴模板: the text of a reminder with placeholders such as {单元}
    {金额} {账期} {截止日} (``finance.reminders.PLACEHOLDERS``; an unknown one is refused)."""

    name = models.CharField(_("模板名称"), max_length=40)
    body = models.TextField(_("模板内容"), max_length=500)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("催缴模板")
        verbose_name_plural = _("催缴模板")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="finance_reminder_template_name"),
        ]

    def __str__(self) -> str:
        return self.name



class ReminderRule(CommunityOwned):
    """ReminderRule — 催缴规则: remind a household whose bills are ``days_after_due`` days past
    their due date and still owe at least ``min_amount``, through ``channel``, outside the quiet
    hours [``quiet_from``, ``quiet_to``). At most one reminder per unit, rule and period."""

    name = models.CharField(_("规则名称"), max_length=40)
    days_after_due = models.PositiveSmallIntegerField(_("逾期天数"))
    channel = models.CharField(_("渠道"), max_length=10, choices=ReminderChannel.choices,
                               default=ReminderChannel.INBOX)
    template = models.ForeignKey(ReminderTemplate, on_delete=models.PROTECT, related_name="rules",
                                 verbose_name=_("催缴模板"))
    min_amount = money_field(_("起催金额"), default=Decimal("0.01"))
    quiet_from = models.TimeField(_("免打扰开始"), default=dt.time(21, 0))
    quiet_to = models.TimeField(_("免打扰结束"), default=dt.time(8, 0))
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("催缴规则")
        verbose_name_plural = _("催缴规则")
        ordering = ["community", "days_after_due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="finance_reminder_rule_name"),
            models.CheckConstraint(condition=Q(days_after_due__gte=1), name="finance_reminder_rule_days"),
            models.CheckConstraint(condition=Q(min_amount__gt=0), name="finance_reminder_rule_min"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_quiet(self, moment: dt.datetime) -> bool:
        """Inside the quiet hours at ``moment`` (local time); a window may span midnight."""
        now = timezone.localtime(moment).time()
        start, end = self.quiet_from, self.quiet_to
        if start == end:
            return False
        return start <= now < end if start < end else (now >= start or now < end)



class Reminder(CommunityOwned):
    """Reminder — 催缴记录: one reminder sent to one unit's household: how much, for which
    bills (up to ``period``, the newest period it covers), when, by which channel, by whom.

    Unique per (rule, unit, period): a rerun of the schedule never sends the same reminder
    twice. The in-app notifications point back at it (``Notification.object_type``
    ``finance.reminder``), and their ``Delivery`` rows say what went out over SMS / e-mail.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(ReminderRule, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="reminders", verbose_name=_("催缴规则"))
    trigger = models.CharField(_("方式"), max_length=10, choices=ReminderTrigger.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=ReminderChannel.choices)
    period = models.DateField(_("账期"))
    amount = money_field(_("欠费金额"))
    bills = models.PositiveIntegerField(_("账单数"))
    message = models.TextField(_("内容"))
    recipients = models.PositiveSmallIntegerField(_("接收人数"), default=0)
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("催缴记录")
        verbose_name_plural = _("催缴记录")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "unit", "period"], condition=Q(rule__isnull=False),
                                    name="finance_reminder_once"),
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""), name="finance_reminder_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_reminder_amount_positive"),
        ]
        indexes = [models.Index(fields=["community", "sent_at"], name="finance_reminder_sent"),
                   models.Index(fields=["unit", "sent_at"], name="finance_reminder_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.period:%Y-%m}"

