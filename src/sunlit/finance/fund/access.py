"""Reaching one deposit or use of the maintenance fund within the user's communities."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, require
from sunlit.finance.fund.choices import FundUseStatus
from sunlit.finance.models import FundDeposit, FundUse


def get_deposit_for(user, deposit_id: int) -> FundDeposit:
    return get_object_or_404(FundDeposit.objects.visible_to(user, "finance.money.view"), pk=deposit_id)


def get_fund_use_for(user, use_id: int, *, action: str | None = None) -> FundUse:
    """Staff and the committee see every use; any member of the community a posted one (it
    was paid with the owners' money, and their unit's statement links to it)."""
    use = get_object_or_404(FundUse.objects.select_related("vote", "created_by", "community"), pk=use_id)
    if not can(user, "finance.money.view", use) and not (
            use.status == FundUseStatus.POSTED and can(user, "community.view", use)):
        raise Http404
    if action is not None:
        require(user, action, use)
    return use


def owned_units(user):
    """The units ``user`` owns today: the maintenance fund is the owners' money, so a tenant or
    a family member living there does not see its balance."""
    from django.db.models import Q
    from django.utils import timezone

    from sunlit.registry.models import Unit

    today = timezone.localdate()
    return (Unit.objects.filter(Q(ownerships__end__isnull=True) | Q(ownerships__end__gt=today),
                                ownerships__person__user=user, ownerships__start__lte=today)
            .select_related("building").distinct())


def get_fund_unit_for(user, unit_id: int):
    """A unit whose fund statement the user may see: finance staff any unit of the community, an
    owner his own; residents who are not owners get 404."""
    from sunlit.finance.billing.access import get_unit_for

    unit = get_unit_for(user, unit_id)
    if can(user, "finance.view", community=unit.community_id):
        return unit
    if not owned_units(user).filter(pk=unit.pk).exists():
        raise Http404
    return unit
