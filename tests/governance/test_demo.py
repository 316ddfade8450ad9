"""The demo loader leaves two open votes (one with ballots) and one announced vote, each with its
material, all on the log."""

from __future__ import annotations

from sunlit.governance.demo import load_demo
from sunlit.governance.models import Ballot, Vote
from sunlit.transparency.models import LogLeaf


def test_demo_votes(community, committee, estate):
    assert load_demo(community) == 3
    assert sorted(Vote.objects.values_list("status", flat=True)) == ["announced", "open", "open"]
    assert all(vote.documents.exists() for vote in Vote.objects.all())
    assert Ballot.objects.counted().count() >= 5
    assert LogLeaf.objects.filter(event_type="governance.ballot.cast").count() == \
        Ballot.objects.count()
    assert load_demo(community) == 0  # once only


def test_demo_meetings_and_comment_periods(community, committee, manager, service, estate):
    from sunlit.governance.consultations.models import Consultation
    from sunlit.governance.meetings.models import Meeting

    load_demo(community)
    assert sorted(Meeting.objects.values_list("status", flat=True)) == ["announced", "minutes"]
    past = Meeting.objects.get(status="minutes")
    assert past.decisions.filter(votes__isnull=False).exists()
    assert past.attendees.filter(signed_in_at__isnull=False).count() >= 2
    assert sorted(Consultation.objects.values_list("status", flat=True)) == ["closed",
                                                                              "published"]
    open_item = Consultation.objects.get(status="published")
    assert open_item.comments.exists() and open_item.comments.filter(answers__isnull=False)
    assert LogLeaf.objects.filter(event_type="governance.meeting.minutes").count() == 1
    assert LogLeaf.objects.filter(event_type="governance.consultation.closed").count() == 1
