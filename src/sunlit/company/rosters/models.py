"""Duty rosters (排班): shift types, rotating patterns that write the shifts, leave and swaps.

The shifts themselves are ``tickets.Shift`` rows — the one answer to "who is on duty now" that
dispatch, the console and the disclosure page ask. A pattern writes them for a period; leave
and swaps, once approved, change them.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.company.choices import HolidayRule, RequestStatus
from sunlit.core.models import CommunityOwned, Department, Membership, User


class ShiftType(CommunityOwned):
    """ShiftType — 班次: a named working time of day (白班 08:00–20:00, 夜班 20:00–08:00 runs
    past midnight)."""

    name = models.CharField(_("班次"), max_length=20)
    starts = models.TimeField(_("上班"))
    ends = models.TimeField(_("下班"))

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"],
                                               name="shifttype_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"


class RosterPattern(CommunityOwned):
    """RosterPattern — 排班规则: a department's rotation. ``cycle`` is the sequence of days (a
    shift type id, or ``None`` for a day off); member k starts k × len(cycle) / len(members) days
    into it, so the team covers the cycle together (三班倒: [白, 夜, 休] for three people)."""

    name = models.CharField(_("名称"), max_length=40)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("部门"))
    cycle = models.JSONField(_("轮转"), default=list)
    members = models.JSONField(_("人员"), default=list)  # membership ids, in rotation order
    anchor = models.DateField(_("起始日"))
    holiday_rule = models.CharField(_("节假日"), max_length=10, choices=HolidayRule.choices,
                                    default=HolidayRule.ROTATE)
    around_the_clock = models.BooleanField(_("24 小时有人值守"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("排班规则")
        verbose_name_plural = _("排班规则")
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name


class LeaveRequest(CommunityOwned):
    """LeaveRequest — 请假: a staff member asks for days off; approved by another person (the
    manager), it takes his shifts on those days off the roster."""

    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("工作人员"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=200, blank=True)
    shifts_removed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        ordering = ["-created_at", "-id"]


class SwapRequest(CommunityOwned):
    """SwapRequest — 换班: a staff member asks that a colleague takes one of his shifts;
    approved by another person, the shift changes hands."""

    shift = models.ForeignKey("tickets.Shift", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("班次"))
    from_member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    to_member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("接班同事"))
    reason = models.CharField(_("事由"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("换班")
        verbose_name_plural = _("换班")
        ordering = ["-created_at", "-id"]
