"""The demo loader leaves one open vote with ballots and one announced vote, all on the log."""

from __future__ import annotations

from sunlit.governance.demo import load_demo
from sunlit.governance.models import Ballot, Vote
from sunlit.transparency.models import LogLeaf


def test_demo_votes(community, committee, estate):
    assert load_demo(community) == 2
    assert sorted(Vote.objects.values_list("status", flat=True)) == ["announced", "open"]
    assert Ballot.objects.counted().count() >= 5
    assert LogLeaf.objects.filter(event_type="governance.ballot.cast").count() == \
        Ballot.objects.count()
    assert load_demo(community) == 0  # once only
