"""Reaching votes and ballots within the user's communities (STYLE.md rule 5).

Every member sees the votes of his community once announced; drafts only those who run votes
(``governance.manage``). A ballot is reached by the staff who enter and confirm ballots, and by
the owners of its unit. Anything else — and anything of another community — is a 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from sunlit.core.permissions import can, communities_where, require
from sunlit.governance.votes.choices import PUBLIC_STATUSES
from sunlit.governance.votes.models import Ballot, Vote, VoteVoter


def visible_votes(user):
    """The votes ``user`` may see, in all his communities."""
    managed = communities_where(user, "governance.manage")
    return (Vote.objects.visible_to(user, "governance.view")
            .filter(community_id__in=managed) |
            Vote.objects.visible_to(user, "governance.view").filter(status__in=PUBLIC_STATUSES))


def get_vote_for(user, vote_id: int, *, for_write: bool = False) -> Vote:
    """The vote within the user's reach, or 404; ``for_write``: 403 unless he runs votes."""
    vote = get_object_or_404(Vote.objects.select_related("community"), pk=vote_id)
    if not can(user, "governance.view", vote):
        raise Http404
    if vote.status not in PUBLIC_STATUSES and not can(user, "governance.manage", vote):
        raise Http404
    if for_write:
        require(user, "governance.manage", vote)
    return vote


def is_voter_of_unit(user, ballot: Ballot) -> bool:
    return VoteVoter.objects.filter(vote_unit_id=ballot.vote_unit_id,
                                    person__user=user).exists()


def get_ballot_for(user, ballot_id: int, *, for_write: bool = False) -> Ballot:
    """A ballot for those who enter or confirm ballots, or for an owner of its unit (who may
    also decide a held entry: the service checks it); else 404."""
    ballot = get_object_or_404(
        Ballot.objects.select_related("vote", "vote_unit", "entered_by", "confirmed_by"),
        pk=ballot_id)
    if can(user, "governance.enter_ballots", ballot) or can(user, "governance.confirm_ballots",
                                                              ballot):
        return ballot
    if for_write or not is_voter_of_unit(user, ballot):
        raise Http404
    return ballot

