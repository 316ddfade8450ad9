"""Nightly snapshots of each community's figures (经营快照), from which the benchmarks between
communities and the monthly scorecard are computed — never from the live books on a page view."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlit.core.models import CommunityOwned, Organization

ZERO = Decimal("0.00")


def money():
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)


class CommunitySnapshot(CommunityOwned):
    """CommunitySnapshot — 经营快照: one community's figures as they stood on one night
    (``company.overview`` definitions), plus the month's ticket counts for the scorecard."""

    day = models.DateField(_("日期"))
    units = models.PositiveIntegerField(default=0)
    area = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    open_tickets = models.PositiveIntegerField(default=0)
    overdue_tickets = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    sla_judged = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)  # complaints raised in the last 30 days
    billed = money()
    collected = money()
    arrears = money()
    overdue_units = models.PositiveIntegerField(default=0)
    fund = money()
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("经营快照")
        verbose_name_plural = _("经营快照")
        ordering = ["-day", "community_id"]
        constraints = [models.UniqueConstraint(fields=["community", "day"],
                                               name="snapshot_one_per_day")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"


class Scorecard(models.Model):
    """Scorecard — 考核方案: the company's weights (summing to 100) and targets over the
    figures, by which each community is scored every month (PDCA: the figures behind every
    score are shown beside it)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE,
                                        related_name="scorecard")
    weights = models.JSONField(_("权重"), default=dict)
    targets = models.JSONField(_("目标"), default=dict)
    updated_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")

    def __str__(self) -> str:
        return f"{self.organization} 考核方案"
