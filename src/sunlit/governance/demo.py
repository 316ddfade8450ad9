"""The governance demo: votes (one open for ballots, one announced), 金点子 in every state and an
interim-meeting request, meetings (议事会) and public comment (公示/征求意见) — each package's own
``demo.py``, loaded in this order (the order of the log's leaves).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sunlit.core import sides
from sunlit.core.choices import Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import Community
from sunlit.governance.meetings import demo as meetings_demo
from sunlit.governance.proposals import demo as proposals_demo
from sunlit.governance.votes import demo as votes_demo
from sunlit.governance.votes.models import Vote


def load_demo(community: Community, *, cast: DemoCast | None = None, seed: int = 2026,
              now: dt.datetime | None = None) -> int:
    """Loads the demo votes into ``community``; returns how many (0 if it has votes already or
    no committee member — holding no company role — to announce them)."""
    if Vote.objects.in_community(community).exists():
        return 0
    cast = cast or DemoCast.of(community)
    actor = cast.lead(Role.COMMITTEE)
    if actor is None or not sides.is_committee_member(actor, community):
        return 0  # votes are announced by the owner side
    now = now or timezone.now()
    votes = votes_demo.load_demo(community, actor=actor, now=now, leave=cast.owner)
    proposals_demo.load_demo(community, cast=cast, now=now)
    meetings_demo.load_demo(community, cast=cast, actor=actor, now=now, votes=votes)
    return len(votes)
