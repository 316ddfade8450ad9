"""Owner-side controls (业主方管控事项): the record of every change to them.

Gathered by ``governance/models.py``; the services are in ``governance/controls/services.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges
from sunlit.core.models import CommunityOwned, User
from sunlit.core.tenancy import CommunityScopedQuerySet


class ControlKind(models.TextChoices):
    """The controls that protect owners from the company (docs/security.md, rule b)."""

    MONEY_POLICY = "finance.money_policy", _("支出审批与票据金额")
    BOARD_COSIGN = "board.require_cosign", _("曝光台业委会会签")
    WITNESS_ADD = "log.witness_add", _("登记见证人")
    WITNESS_REVOKE = "log.witness_revoke", _("撤销见证人")
    VOTE_ANNOUNCE = "governance.vote_announce", _("公告表决")
    VOTE_CANCEL = "governance.vote_cancel", _("撤销表决")
    VOTE_EXTEND = "governance.vote_extend", _("延长投票期")
    GOVERNANCE_POLICY = "governance.policy", _("议事规则设置")


class ControlStatus(models.TextChoices):
    PENDING = "pending", _("待业委会确认")
    APPLIED = "applied", _("已生效")
    REJECTED = "rejected", _("业委会未同意")
    WITHDRAWN = "withdrawn", _("已撤回")


badges.register("governance.controlchange", {
    ControlStatus.PENDING: "yellow", ControlStatus.APPLIED: "green"})


class ControlSide(models.TextChoices):
    COMMITTEE = "committee", _("业委会")
    COMPANY = "company", _("物业公司")
    OWNER = "owner", _("业主")


class ControlChangeQuerySet(CommunityScopedQuerySet):
    def pending(self):
        return self.filter(status=ControlStatus.PENDING)


class ControlChange(CommunityOwned):
    """ControlChange — 管控变更: one change to an owner-side control, and who made it.

    A change the owner side makes, or one that only strengthens a protection, takes effect at
    once (``applied``, proposer and confirmer the same person). A change by the company side
    that weakens a protection is a proposal (``pending``) that takes effect only when a
    committee member who holds no company role confirms it; the committee may refuse it, the
    proposer may withdraw it. Every step is on the log and in the audit trail; every member of
    the community sees the list.
    """

    kind = models.CharField(_("管控事项"), max_length=40, choices=ControlKind.choices)
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)
    subject_label = models.CharField(_("对象"), max_length=120, blank=True)
    params = models.JSONField(_("变更内容"), default=dict)
    summary = models.CharField(_("变更说明"), max_length=300)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    weakens = models.BooleanField(_("削弱对业主的保护"), default=True)
    status = models.CharField(_("状态"), max_length=10, choices=ControlStatus.choices,
                              default=ControlStatus.PENDING)
    proposed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                    verbose_name=_("提出人"))
    proposed_side = models.CharField(_("提出方"), max_length=10, choices=ControlSide.choices)
    proposed_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("确认人"))
    decided_side = models.CharField(_("确认方"), max_length=10, choices=ControlSide.choices,
                                    blank=True)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = models.CharField(_("确认意见"), max_length=200, blank=True)

    objects = ControlChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("管控变更")
        verbose_name_plural = _("管控变更")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # one open proposal per control and object: no flood of proposals to wear down
            models.UniqueConstraint(fields=["community", "kind", "subject_type", "subject_id"],
                                    condition=Q(status="pending"),
                                    name="control_change_one_pending"),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.summary}"

    @property
    def is_pending(self) -> bool:
        return self.status == ControlStatus.PENDING

    @property
    def was_direct(self) -> bool:
        """Applied at once by the one who made it (owner side, or a strengthening)."""
        return self.status == ControlStatus.APPLIED and self.decided_by_id == self.proposed_by_id
