"""Reaching proposals within the user's communities (STYLE.md rule 5): every member of the
community sees its proposals (a withdrawn one stays reachable by its link); anything of
another community is a 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can
from sunlit.governance.proposals.models import Proposal


def visible_proposals(user):
    return Proposal.objects.visible_to(user, "governance.view")


def get_proposal_for(user, proposal_id: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=proposal_id)
    if not can(user, "governance.view", proposal):
        raise Http404
    return proposal
