"""Reaching one payment within the user's communities (a household: his own units' payments)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, require
from sunlit.finance.models import Payment


def get_payment_for(user, payment_id: int, *, for_write: bool = False) -> Payment:
    payment = get_object_or_404(Payment.objects.select_related("unit__building", "entry"),
                                pk=payment_id)
    if not can(user, "finance.view", payment):
        raise Http404
    if for_write:
        require(user, "finance.collect", payment)
    return payment
