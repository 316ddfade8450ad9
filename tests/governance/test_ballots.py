"""Ballots: who may cast them, when, and paper/proxy ballots with a second confirmation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.core.choices import Role
from sunlit.governance import selectors, services
from sunlit.governance.choices import BallotStatus, Channel
from sunlit.governance.models import Ballot, Vote
from sunlit.transparency.models import LogLeaf
from tests.governance.conftest import CLOSES, DURING, OPENS, T0


@pytest.fixture
def vote(open_vote):
    return open_vote()


def nothing_cast(vote):
    return not Ballot.objects.filter(vote=vote).exists() and not LogLeaf.objects.filter(
        event_type="governance.ballot.cast").exists()


def test_owner_votes_and_may_change_his_mind(vote, estate):
    first = services.cast_ballot(vote, estate.units.u101, actor=estate.people.owner,
                                 choice="no", now=DURING)
    second = services.cast_ballot(vote, estate.units.u101, actor=estate.people.owner,
                                  choice="yes", now=DURING + dt.timedelta(days=1))
    first.refresh_from_db()
    assert (first.is_current, first.superseded_by_id, second.is_current) == (False, second.pk,
                                                                              True)
    assert selectors.counted_choices(vote) == {second.vote_unit_id: "yes"}
    assert first.ref != second.ref and len(second.receipt) == 8 + 1 + 16
    leaf = LogLeaf.objects.get(index=second.leaf_index, log__community=vote.community)
    event = json.loads(leaf.data)
    assert event["public"]["commitment"] == second.commitment
    assert set(event["commitments"]) == {"voter_name"}  # who voted: only as a commitment
    assert "王小明" not in leaf.data and "yes" not in leaf.data


@pytest.mark.parametrize("when, message", [
    (OPENS - dt.timedelta(seconds=1), "投票尚未开始"),
    (CLOSES, "投票已截止"),
    (CLOSES + dt.timedelta(days=3), "投票已截止"),
])
def test_ballots_outside_the_window_are_refused(vote, estate, when, message):
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="yes",
                             now=when)
    assert exc.value.message_dict["vote"] == [message]
    assert nothing_cast(vote)


def test_no_ballot_before_the_opening_or_after_the_close(draft, committee, estate):
    announced = services.announce_vote(draft(), actor=committee, now=T0)
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(announced, estate.units.u101, actor=estate.people.owner,
                             choice="yes", now=DURING)
    assert exc.value.message_dict["vote"] == ["投票尚未开始"]
    services.open_vote(announced, actor=committee, now=OPENS)
    services.close_vote(announced, actor=committee, now=CLOSES)
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(announced, estate.units.u101, actor=estate.people.owner,
                             choice="yes", now=DURING)
    assert "投票已结束" in exc.value.message_dict["vote"][0]
    assert nothing_cast(announced)


def test_non_owners_cannot_vote(vote, estate, resident, make_member, owner_other_community):
    # a tenant living in the unit
    with pytest.raises(PermissionDenied):
        services.cast_ballot(vote, estate.units.u101, actor=resident, choice="yes", now=DURING)
    # a neighbour for a unit he does not own
    with pytest.raises(PermissionDenied):
        services.cast_ballot(vote, estate.units.u101, actor=estate.people.neighbour,
                             choice="yes", now=DURING)
    # the buyer of an undelivered unit (the developer votes for it)
    with pytest.raises(PermissionDenied):
        services.cast_ballot(vote, estate.units.u402, actor=estate.people.buyer, choice="yes",
                             now=DURING)
    # staff, and an owner of another community
    with pytest.raises(PermissionDenied):
        services.cast_ballot(vote, estate.units.u101, actor=make_member(Role.MANAGER),
                             choice="yes", now=DURING)
    with pytest.raises(PermissionDenied):
        services.cast_ballot(vote, estate.units.u101, actor=owner_other_community,
                             choice="yes", now=DURING)
    assert nothing_cast(vote)


@pytest.mark.parametrize("choice", ["", "maybe", None, 1, "YES"])
def test_a_choice_must_be_one_of_three(vote, estate, choice):
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice=choice,
                             now=DURING)
    assert exc.value.message_dict["choice"] == ["请选择同意、反对或弃权"]
    assert nothing_cast(vote)


def test_a_unit_of_another_community_is_outside_the_scope(vote, estate, other_community):
    from tests.factories import UnitFactory

    foreign = UnitFactory(building__community=other_community)
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(vote, foreign, actor=estate.people.owner, choice="yes", now=DURING)
    assert exc.value.message_dict == {"unit": ["该房屋不在本次表决范围内"]}


def test_the_developer_votes_for_unsold_units(vote, estate):
    ballot = services.cast_ballot(vote, estate.units.u401, actor=estate.people.developer,
                                  choice="yes", now=DURING)
    assert ballot.vote_unit.owner_ref == "DEV" and ballot.is_current


# --- paper and proxy ballots ---------------------------------------------------------------------

@pytest.fixture
def clerk(make_member):
    return make_member(Role.SERVICE, username="clerk", display_name="客服小李")


def enter(vote, estate, clerk, upload, **overrides):
    unit = overrides.pop("unit", estate.units.u102)
    args = {"actor": clerk, "choice": "yes", "received_at": DURING, "scan": upload(by=clerk),
            "now": DURING + dt.timedelta(hours=1)}
    args.update(overrides)
    return services.enter_ballot(vote, unit, **args)


def test_paper_ballot_counts_only_after_a_second_confirmation(vote, estate, clerk, service,
                                                              committee, upload, community):
    ballot = enter(vote, estate, clerk, upload)
    assert ballot.status == BallotStatus.PENDING and not ballot.is_current
    assert ballot.person.name == "邻居老周"  # the unit's only owner
    assert selectors.counted_choices(vote) == {}
    assert not LogLeaf.objects.filter(event_type="governance.ballot.cast").exists()
    # the close waits for the review
    with pytest.raises(ValidationError) as exc:
        services.close_vote(vote, actor=committee, now=CLOSES)
    assert "1 张录入的选票待复核" in exc.value.message_dict["ballots"][0]
    assert Vote.objects.get(pk=vote.pk).status == "open"
    # the clerk cannot confirm his own entry
    with pytest.raises(ValidationError) as exc:
        services.confirm_ballot(ballot, actor=clerk, now=DURING + dt.timedelta(hours=2))
    assert exc.value.message_dict == {"confirmed_by": ["复核须由录入人以外的另一名工作人员完成"]}
    ballot = services.confirm_ballot(ballot, actor=service, now=DURING + dt.timedelta(hours=2))
    assert ballot.status == BallotStatus.VALID and ballot.is_current
    event = json.loads(LogLeaf.objects.get(event_type="governance.ballot.cast").data)
    assert event["public"]["channel"] == "paper"
    assert event["public"]["entered_by"] == "客服小李"
    assert event["public"]["confirmed_by"] == "客服小陈"
    with pytest.raises(ValidationError):
        services.confirm_ballot(ballot, actor=service)  # already confirmed
    services.close_vote(vote, actor=committee, now=CLOSES)


def test_paper_ballot_needs_its_scan_and_a_proxy_its_authorisation(vote, estate, clerk, upload,
                                                                   other_community):
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, scan=None)
    assert exc.value.message_dict == {"scan": ["纸质表决票须上传扫描件"]}
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, channel=Channel.PROXY, scan=None)
    assert set(exc.value.message_dict) == {"authorisation", "proxy_name"}
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, scan=upload(other_community, by=clerk))
    assert exc.value.message_dict == {"scan": ["文件不存在，或不是您本人在本小区上传的"]}
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, channel=Channel.ONLINE)
    assert "channel" in exc.value.message_dict
    assert not Ballot.objects.exists()
    proxy = enter(vote, estate, clerk, upload, channel=Channel.PROXY, scan=None,
                  authorisation=upload(by=clerk), proxy_name="周小周")
    assert proxy.status == BallotStatus.PENDING and proxy.proxy_name == "周小周"


@pytest.mark.parametrize("received", [OPENS - dt.timedelta(minutes=1), CLOSES,
                                      DURING + dt.timedelta(hours=2), dt.datetime(2026, 3, 18)])
def test_paper_ballot_received_outside_the_window_is_refused(vote, estate, clerk, upload,
                                                             received):
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, received_at=received)
    assert "received_at" in exc.value.message_dict
    assert not Ballot.objects.exists()


def test_paper_ballot_must_name_an_owner_of_the_unit(vote, estate, clerk, upload):
    with pytest.raises(ValidationError) as exc:  # two co-owners: say which one signed
        enter(vote, estate, clerk, upload, unit=estate.units.u201)
    assert "person" in exc.value.message_dict
    with pytest.raises(ValidationError):
        enter(vote, estate, clerk, upload, unit=estate.units.u201,
              person=estate.people.owner.persons.get())
    ballot = enter(vote, estate, clerk, upload, unit=estate.units.u201,
                   person=estate.people.co2.persons.get())
    assert ballot.person.name == "共有人乙"


def test_a_paper_ballot_received_before_an_online_one_does_not_replace_it(
        vote, estate, clerk, service, upload):
    online = services.cast_ballot(vote, estate.units.u102, actor=estate.people.neighbour,
                                  choice="no", now=DURING + dt.timedelta(hours=3))
    paper = enter(vote, estate, clerk, upload, received_at=DURING,
                  now=DURING + dt.timedelta(hours=4))
    paper = services.confirm_ballot(paper, actor=service, now=DURING + dt.timedelta(hours=5))
    online.refresh_from_db()
    assert online.is_current and not paper.is_current and paper.superseded_by == online
    assert selectors.counted_choices(vote) == {online.vote_unit_id: "no"}


def test_a_rejected_entry_never_counts(vote, estate, clerk, service, upload, committee):
    ballot = enter(vote, estate, clerk, upload)
    with pytest.raises(ValidationError):
        services.reject_ballot(ballot, actor=service, reason="")
    ballot = services.reject_ballot(ballot, actor=service, reason="扫描件上的房号与录入不符")
    assert ballot.status == BallotStatus.REJECTED and not ballot.is_current
    services.close_vote(vote, actor=committee, now=CLOSES)
    assert Vote.objects.get(pk=vote.pk).result.ballots == 0


def test_owners_cannot_enter_or_confirm_ballots(vote, estate, clerk, upload):
    with pytest.raises(PermissionDenied):
        enter(vote, estate, estate.people.owner, upload)
    ballot = enter(vote, estate, clerk, upload)
    with pytest.raises(PermissionDenied):
        services.confirm_ballot(ballot, actor=estate.people.owner)
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.PENDING
