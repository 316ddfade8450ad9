"""Racing on owner-side decisions (PostgreSQL): a proposal is decided once (two committee members
tapping 同意 and 不同意 at the same moment, or the proposer withdrawing meanwhile), and an entered
ballot is reviewed once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sunlit.core.choices import Role
from sunlit.governance.controls import services as controls
from sunlit.governance.controls.models import ControlChange, ControlKind, ControlStatus
from sunlit.governance.models import Ballot, Vote
from sunlit.governance.votes import balloting
from sunlit.governance.votes.choices import BallotStatus, VoteStatus
from sunlit.transparency.models import LogLeaf
from tests.governance.conftest import DURING
from tests.governance.test_meeting_concurrency import _race

pytestmark = pytest.mark.skipif(connection.vendor == "sqlite",
                                reason="in-memory SQLite serialises writers: nothing to race")


def test_a_proposal_is_decided_once(transactional_db, open_vote, manager, committee,
                                    make_member):
    vote = open_vote()
    member2 = make_member(Role.COMMITTEE, username="committee2")
    change = controls.request_change(vote.community, ControlKind.VOTE_CANCEL,
                                     {"vote": vote.pk, "reason": "流程有误"}, actor=manager,
                                     reason="流程有误", now=DURING)
    steps = [lambda: controls.confirm_change(change, actor=committee, now=DURING),
             lambda: controls.reject_change(change, actor=member2, reason="不同意", now=DURING),
             lambda: controls.withdraw_change(change, actor=manager, now=DURING)]
    errors = _race(lambda n: steps[n](), 3)
    assert len(errors) == 2 and all(isinstance(e, ValidationError) for e in errors)
    decided = ControlChange.objects.get(pk=change.pk)
    assert decided.status in (ControlStatus.APPLIED, ControlStatus.REJECTED,
                              ControlStatus.WITHDRAWN)
    assert (Vote.objects.get(pk=vote.pk).status == VoteStatus.CANCELLED) == (
        decided.status == ControlStatus.APPLIED)
    assert LogLeaf.objects.filter(event_type__in=[
        "governance.control.applied", "governance.control.rejected",
        "governance.control.withdrawn"]).count() == 1


def test_an_entered_ballot_is_reviewed_once(transactional_db, open_vote, estate, service,
                                            committee, make_member, upload):
    vote = open_vote()
    member2 = make_member(Role.COMMITTEE, username="committee2")
    ballot = balloting.enter_ballot(vote, estate.units.u102, actor=service, choice="yes",
                                    received_at=DURING, scan=upload(by=service),
                                    now=DURING + dt.timedelta(hours=1))
    later = DURING + dt.timedelta(hours=2)
    steps = [lambda: balloting.confirm_ballot(ballot, actor=committee, now=later),
             lambda: balloting.reject_ballot(ballot, actor=member2, reason="看不清", now=later)]
    errors = _race(lambda n: steps[n](), 2)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert Ballot.objects.get(pk=ballot.pk).status in (BallotStatus.VALID, BallotStatus.REJECTED)
    assert LogLeaf.objects.filter(event_type__in=["governance.ballot.cast",
                                                  "governance.ballot.rejected"]).count() == 1
