"""Reaching finance objects within the user's communities (STYLE.md rule 5).

Finance staff, managers, company admins and auditors see every bill and payment of their
communities (``finance.view``); an owner or resident sees those of the units he owns or lives
in (object rule). Anything else — and anything of another community — is a 404.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, communities_where, object_rule, require
from sunlit.finance.models import Bill, BillingRun, FeeItem
from sunlit.registry.models import Unit


@object_rule("finance.view")
def _household_sees_own(user, obj) -> bool:
    unit_id = getattr(obj, "unit_id", None)
    if unit_id is None and isinstance(obj, Unit):
        unit_id = obj.pk
    return unit_id is not None and Unit.objects.of_user(user).filter(pk=unit_id).exists()


def my_units(user):
    """The units whose bills the user sees as a household (owns or lives in)."""
    return Unit.objects.of_user(user).select_related("building")


def visible_bills(user):
    staff = communities_where(user, "finance.view")
    return Bill.objects.filter(Q(community_id__in=staff) | Q(unit__in=Unit.objects.of_user(user)
                                                             .values("pk")))


def get_bill_for(user, bill_id: int) -> Bill:
    bill = get_object_or_404(Bill.objects.select_related("unit__building", "run", "community"),
                             pk=bill_id)
    if not can(user, "finance.view", bill):
        raise Http404
    return bill


def get_unit_for(user, unit_id: int) -> Unit:
    """A unit whose account the user may see (staff: any of the community; owner: his own)."""
    unit = get_object_or_404(Unit.objects.select_related("building", "community"), pk=unit_id)
    if not can(user, "finance.view", unit):
        raise Http404
    return unit


def get_fee_item_for(user, item_id: int, *, for_write: bool = False) -> FeeItem:
    item = get_object_or_404(FeeItem.objects.visible_to(user, "finance.view"), pk=item_id)
    if for_write:
        require(user, "finance.manage", item)
    return item


def get_run_for(user, run_id: int) -> BillingRun:
    return get_object_or_404(BillingRun.objects.visible_to(user, "finance.view"), pk=run_id)
