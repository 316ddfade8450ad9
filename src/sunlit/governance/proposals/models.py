"""Proposals — 金点子 — and interim owners' meeting requests (临时业主大会提议), the
community's governance policy, and the record of vote notifications sent.

Imported by ``governance/models.py`` (the models belong to the governance app).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, Person, Upload, User
from sunlit.core.tenancy import CommunityScopedQuerySet
from sunlit.governance.proposals.choices import (
    ANSWERABLE,
    COLLECTING,
    Decision,
    ProposalCategory,
    ProposalKind,
    ProposalStatus,
    VoteNoticeStage,
)

DEFAULT_SUPPORT_THRESHOLD = 20
DEFAULT_ANSWER_DAYS = 15
DEFAULT_CONVENE_DAYS = 15


class GovernancePolicy(CommunityOwned):
    """GovernancePolicy — 议事规则设置: the community's numbers for proposals.

    ``support_threshold``: supporters at which the committee must answer a 金点子 within
    ``answer_days``; ``convene_days``: days the committee has to convene the interim meeting
    once 20 % of the owners asked; ``interim_counts_area``: the request must also hold 20 % of
    the exclusive area (业主大会和业主委员会指导规则 art. 23; 物业管理条例 art. 13 counts
    owners only). Changed by the committee or the manager; each change is on the log.
    """

    support_threshold = models.PositiveIntegerField(_("金点子答复门槛（支持人数）"),
                                                    default=DEFAULT_SUPPORT_THRESHOLD)
    answer_days = models.PositiveSmallIntegerField(_("答复期限（天）"),
                                                   default=DEFAULT_ANSWER_DAYS)
    convene_days = models.PositiveSmallIntegerField(_("召集临时业主大会期限（天）"),
                                                    default=DEFAULT_CONVENE_DAYS)
    interim_counts_area = models.BooleanField(_("临时业主大会提议须同时达到20%专有面积"),
                                              default=False)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("议事规则设置")
        verbose_name_plural = _("议事规则设置")
        constraints = [
            models.UniqueConstraint(fields=["community"], name="governance_policy_one"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id}"


class ProposalQuerySet(CommunityScopedQuerySet):
    def public(self):
        """Everything but withdrawn proposals (those stay reachable by their link)."""
        return self.exclude(status=ProposalStatus.WITHDRAWN)

    def overdue(self, now: dt.datetime):
        """Threshold reached, no answer, deadline passed — 逾期未答复."""
        return self.filter(status=ProposalStatus.AWAITING, answer_due__lt=now)


class Proposal(CommunityOwned):
    """Proposal — 金点子 (or 临时业主大会提议): an owner's idea put to the community.

    Other owners support it (an interim-meeting request: sign it). At the community's
    threshold (for a request: 20 % of the owners) the committee must answer publicly by
    ``answer_due``; the answer may accept, decline, or turn it into a vote or a ticket.
    The author is shown as ``author_label`` (“1号楼业主”), never by name.
    """

    kind = models.CharField(_("类型"), max_length=10, choices=ProposalKind.choices,
                            default=ProposalKind.IDEA)
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"))
    category = models.CharField(_("类别"), max_length=20, choices=ProposalCategory.choices,
                                default=ProposalCategory.OTHER)
    photos = models.ManyToManyField(Upload, blank=True, related_name="+",
                                    verbose_name=_("照片"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("提议人"))
    author_person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="+")
    author_label = models.CharField(_("提议人"), max_length=60)
    status = models.CharField(_("状态"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.OPEN)
    threshold = models.PositiveIntegerField(_("答复门槛（支持人数）"), default=0)
    supporters = models.PositiveIntegerField(_("支持人数"), default=0)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    reached_at = models.DateTimeField(_("达到门槛时间"), null=True, blank=True)
    answer_due = models.DateTimeField(_("答复期限"), null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    # interim-meeting request: the figures when the 20 % were reached
    signed_owners = models.PositiveIntegerField(null=True, blank=True)
    total_owners = models.PositiveIntegerField(null=True, blank=True)
    signed_area = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_area = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # the answer
    decision = models.CharField(_("答复结论"), max_length=10, choices=Decision.choices,
                                blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    answer_sha256 = models.CharField(max_length=64, blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answered_by_label = models.CharField(_("答复人"), max_length=100, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    meeting_on = models.DateField(_("临时业主大会召开日期"), null=True, blank=True)
    vote = models.ForeignKey("governance.Vote", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("表决"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("工单"))
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(_("办结说明"), max_length=200, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("金点子")
        verbose_name_plural = _("金点子")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="proposal_status"),
                   models.Index(fields=["status", "answer_due"], name="proposal_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_interim(self) -> bool:
        return self.kind == ProposalKind.INTERIM_MEETING

    @property
    def collects_support(self) -> bool:
        return self.status in COLLECTING

    @property
    def is_answerable(self) -> bool:
        return self.status in ANSWERABLE

    def is_overdue(self, now: dt.datetime) -> bool:
        return (self.status == ProposalStatus.AWAITING and self.answer_due is not None
                and now > self.answer_due)

    def overdue_days(self, now: dt.datetime) -> int:
        """Whole days (Asia/Shanghai calendar) past the deadline; at least 1 once overdue."""
        if not self.is_overdue(now):
            return 0
        days = (timezone.localdate(now) - timezone.localdate(self.answer_due)).days
        return max(days, 1)

    def answered_late_days(self) -> int:
        if self.answered_at is None or self.answer_due is None \
                or self.answered_at <= self.answer_due:
            return 0
        return max((timezone.localdate(self.answered_at)
                    - timezone.localdate(self.answer_due)).days, 1)


class ProposalSupport(CommunityOwned):
    """ProposalSupport — 支持（联署）: one owner's support of a proposal, or signature of an
    interim-meeting request. One per person (owner account); withdrawable while the proposal
    still collects support; a withdrawn one stays, marked."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("支持")
        verbose_name_plural = _("支持")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"],
                                    condition=Q(withdrawn_at__isnull=True),
                                    name="proposal_support_once"),
        ]


class VoteNotice(CommunityOwned):
    """VoteNotice — 表决通知记录: that owners were told of one stage of a vote (claimed once)."""

    vote = models.ForeignKey("governance.Vote", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("通知类型"), max_length=10, choices=VoteNoticeStage.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("表决通知记录")
        verbose_name_plural = _("表决通知记录")
        constraints = [
            models.UniqueConstraint(fields=["vote", "stage"], name="vote_notice_once"),
        ]
