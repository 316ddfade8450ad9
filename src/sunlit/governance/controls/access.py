"""Reaching a change to an owner-side control: every member of its community sees it; else 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can
from sunlit.governance.controls.models import ControlChange


def get_control_change_for(user, change_id: int):
    """A change to an owner-side control: every member of its community sees it; else 404."""
    change = get_object_or_404(
        ControlChange.objects.select_related("community", "proposed_by", "decided_by"),
        pk=change_id)
    if not can(user, "governance.controls.view", change):
        raise Http404
    return change
