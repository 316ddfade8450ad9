"""Reaching one waiver or meter-reading import within the user's communities."""

from __future__ import annotations

from django.shortcuts import get_object_or_404


def get_waiver_for(user, waiver_id: int):
    """A waiver of one of the user's communities (finance staff, managers, admins, auditors)."""
    from sunlit.finance.models import Waiver

    return get_object_or_404(Waiver.objects.visible_to(user, "finance.view")
                             .select_related("bill__unit__building", "requested_by", "decided_by"),
                             pk=waiver_id)


def get_meter_import_for(user, import_id: int):
    from sunlit.finance.models import MeterImport

    return get_object_or_404(MeterImport.objects.visible_to(user, "finance.bill"), pk=import_id)
