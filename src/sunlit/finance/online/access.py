"""Reaching one online payment order (finance staff of its community, or a household of its unit)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can
from sunlit.finance.models import PaymentOrder


def get_order_for(user, order_id: int) -> PaymentOrder:
    """An online payment order: finance staff of its community, or a household of its unit."""
    order = get_object_or_404(PaymentOrder.objects.select_related("unit__building", "community", "payment"),
                              pk=order_id)
    if not can(user, "finance.view", order):
        raise Http404
    return order
