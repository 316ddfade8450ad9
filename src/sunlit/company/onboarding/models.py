"""Onboarding — 小区建档: a community's set-up by its company, and the committee's filing."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import ActivationCode, CommunityOwned, Upload, User


class Onboarding(CommunityOwned):
    """Onboarding — 小区建档: who started a community's set-up and when, and when owners were
    invited (the end of the checklist). What is still missing is read from the community's own
    data (``onboarding.selectors.checklist``), never ticked by hand."""

    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    owners_invited_at = models.DateTimeField(_("开放业主激活"), null=True, blank=True)
    owners_invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")

    class Meta:
        verbose_name = _("小区建档")
        verbose_name_plural = _("小区建档")
        constraints = [models.UniqueConstraint(fields=["community"], name="onboarding_one")]

    def __str__(self) -> str:
        return f"{self.community_id} 建档"


class CommitteeFiling(CommunityOwned):
    """CommitteeFiling — 业委会备案: the government's filing of the elected owners' committee
    (备案机关, 备案编号, the scanned filing), from which the committee's members are invited
    with activation codes. The company records only the first committee (security.md)."""

    authority = models.CharField(_("备案机关"), max_length=100)
    number = models.CharField(_("备案编号"), max_length=60)
    filed_on = models.DateField(_("备案日期"))
    document = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("备案文件"))
    codes = models.ManyToManyField(ActivationCode, related_name="+", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("业委会备案")
        verbose_name_plural = _("业委会备案")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.authority} {self.number}"
