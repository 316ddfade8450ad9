"""Reaching a community's log: public parts by path, entries only within the user's communities.

Checkpoints, hash tiles and the directory are public (anyone may witness the log). Event
contents (entry bundles, leaves, proof bundles) are for the community's members and auditors
(``log.read_entries``); anyone else gets a 404, never a 403, and never data.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, require
from sunlit.transparency.models import Log, WitnessKey


def get_public_log(path: str) -> Log:
    """The log served at ``/log/<path>/`` (its public parts)."""
    return get_object_or_404(Log.objects.select_related("community"), path=path)


def get_log_for(user, community_id: int) -> Log:
    """The log of a community where ``user`` may read entries, or 404."""
    return get_object_or_404(
        Log.objects.visible_to(user, "log.read_entries").select_related("community"),
        community_id=community_id,
    )


def require_entries(user, log: Log) -> None:
    """404 unless ``user`` may read the entries of ``log``."""
    if not can(user, "log.read_entries", community=log.community_id):
        raise Http404


def can_read_entries(user, log: Log) -> bool:
    return can(user, "log.read_entries", community=log.community_id)


def get_log_to_manage_witnesses(user, *, path: str | None = None,
                                community_id: int | None = None) -> Log:
    """The log whose witnesses ``user`` manages: 404 outside their communities, 403 without
    ``log.manage_witnesses``."""
    logs = Log.objects.visible_to(user).select_related("community")
    lookup = {"path": path} if path is not None else {"community_id": community_id}
    log = get_object_or_404(logs, **lookup)
    require(user, "log.manage_witnesses", community=log.community_id)
    return log


def get_witness_for(log: Log, witness_id: int) -> WitnessKey:
    """A witness key registered on ``log`` (already authorised), or 404."""
    return get_object_or_404(WitnessKey.objects.filter(log=log), pk=witness_id)
