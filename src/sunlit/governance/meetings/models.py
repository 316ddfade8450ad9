"""Meetings (议事会) and public comment periods (公示/征求意见): the models.

Gathered by ``governance/models.py`` so that Django finds them; the services are in
``governance/meetings/services.py``; public comment is ``governance/consultations/``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges
from sunlit.core.models import CommunityOwned, Person, Upload, User
from sunlit.core.tenancy import CommunityScopedQuerySet

# --- choices -------------------------------------------------------------------------------------

class MeetingKind(models.TextChoices):
    SUNSHINE = "sunshine", _("阳光议事会")
    COMMITTEE = "committee", _("业委会会议")
    ASSEMBLY = "assembly", _("业主大会")


class Organiser(models.TextChoices):
    COMMITTEE = "committee", _("业主委员会")
    MANAGER = "manager", _("物业服务中心")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ANNOUNCED = "announced", _("已通知")
    HELD = "held", _("已召开")
    MINUTES = "minutes", _("纪要已公布")
    CANCELLED = "cancelled", _("已取消")


badges.register("governance.meeting", {
    MeetingStatus.ANNOUNCED: "azure", MeetingStatus.HELD: "orange", MeetingStatus.MINUTES: "green",
    MeetingStatus.CANCELLED: "secondary"}, default="yellow")


class AttendeeRole(models.TextChoices):
    COMMITTEE = "committee", _("业委会委员")
    OWNER = "owner", _("业主")
    STAFF = "staff", _("物业工作人员")


# --- meetings ------------------------------------------------------------------------------------

class MeetingQuerySet(CommunityScopedQuerySet):
    def public(self):
        return self.exclude(status=MeetingStatus.DRAFT)


class Meeting(CommunityOwned):
    """Meeting — 议事会 / 业委会会议 / 业主大会: agenda, notice, attendance, minutes, decisions.

    ``draft → announced → held → minutes`` (or ``cancelled`` before it is held). Announcing puts
    the SHA-256 of the agenda document on the log; publishing the minutes puts the SHA-256 of the
    minutes document (text, PDF hash, decisions with their links, attendance) on it.
    """

    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=100)
    description = models.TextField(_("会议说明"), blank=True)
    organiser = models.CharField(_("召集人"), max_length=20, choices=Organiser.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("预计结束"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    online_link = models.URLField(_("线上会议链接"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=MeetingStatus.choices,
                              default=MeetingStatus.DRAFT)
    announced_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    held_at = models.DateTimeField(_("召开时间"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(_("纪要公布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    agenda_sha256 = models.CharField(max_length=64, blank=True)
    minutes_text = models.TextField(_("会议纪要"), blank=True)
    minutes_document = models.ForeignKey(Upload, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("纪要文件（PDF）"))
    minutes_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == MeetingStatus.DRAFT

    def accepts_registration(self, now: dt.datetime) -> bool:
        return self.status == MeetingStatus.ANNOUNCED and now < self.starts_at


class AgendaItem(CommunityOwned):
    """AgendaItem — 议程: one item of a meeting's agenda, in order."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("议题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = _("议程")
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"],
                                               name="agenda_unique_position")]

    def __str__(self) -> str:
        return self.title


class Attendee(CommunityOwned):
    """Attendee — 参会人: an invited committee member or staff, or an owner who registered;
    ``signed_in_at`` is set by staff at the door (签到). Committee members and staff attend in
    their public responsibility (named on the log); owners are counted, never named."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    role = models.CharField(_("身份"), max_length=20, choices=AttendeeRole.choices)
    name = models.CharField(_("姓名"), max_length=100)
    unit_label = models.CharField(_("房屋"), max_length=80, blank=True)
    invited = models.BooleanField(_("受邀"), default=False)
    registered_at = models.DateTimeField(default=timezone.now)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    signed_in_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("参会人")
        verbose_name_plural = _("参会人")
        ordering = ["meeting", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"],
                                               name="attendee_unique_user")]

    def __str__(self) -> str:
        return self.name

    @property
    def public_name(self) -> str:
        """What public pages show: committee members and staff by name, owners by building."""
        if self.role == AttendeeRole.OWNER:
            building = self.unit_label.split("-", 1)[0] if self.unit_label else ""
            return f"{building}业主" if building else str(_("业主"))
        return self.name


class Decision(CommunityOwned):
    """Decision — 会议决定: what the meeting decided, linked to the votes, tickets and journal
    entries (expenses) that carry it out. (When finance grows an ``Expense`` model the entry
    link may be re-pointed to it.)"""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(_("决定内容"))
    votes = models.ManyToManyField("governance.Vote", blank=True, related_name="+",
                                   verbose_name=_("关联表决"))
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="+",
                                     verbose_name=_("关联工单"))
    entries = models.ManyToManyField("finance.JournalEntry", blank=True, related_name="+",
                                     verbose_name=_("关联记账凭证"))
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"],
                                               name="decision_unique_position")]

    def __str__(self) -> str:
        return self.text[:40]
