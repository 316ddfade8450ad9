"""Ballots: who may cast them, when, and paper/proxy ballots with a second confirmation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.core.choices import Role
from sunlit.governance.models import Ballot, Vote
from sunlit.governance.votes import balloting, selectors, services
from sunlit.governance.votes.choices import BallotStatus, Channel
from sunlit.notices.models import Notification
from sunlit.transparency.models import LogLeaf
from tests.governance.conftest import CLOSES, DURING, OPENS, T0


@pytest.fixture
def vote(open_vote):
    return open_vote()


def nothing_cast(vote):
    return not Ballot.objects.filter(vote=vote).exists() and not LogLeaf.objects.filter(
        event_type="governance.ballot.cast").exists()


def test_owner_votes_and_may_change_his_mind(vote, estate):
    first = balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner,
                                  choice="no", now=DURING)
    second = balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner,
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
        balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="yes",
                              now=when)
    assert exc.value.message_dict["vote"] == [message]
    assert nothing_cast(vote)


def test_no_ballot_before_the_opening_or_after_the_close(draft, committee, estate):
    announced = services.announce_vote(draft(), actor=committee, now=T0)
    with pytest.raises(ValidationError) as exc:
        balloting.cast_ballot(announced, estate.units.u101, actor=estate.people.owner,
                              choice="yes", now=DURING)
    assert exc.value.message_dict["vote"] == ["投票尚未开始"]
    services.open_vote(announced, actor=committee, now=OPENS)
    services.close_vote(announced, actor=committee, now=CLOSES)
    with pytest.raises(ValidationError) as exc:
        balloting.cast_ballot(announced, estate.units.u101, actor=estate.people.owner,
                              choice="yes", now=DURING)
    assert "投票已结束" in exc.value.message_dict["vote"][0]
    assert nothing_cast(announced)


def test_non_owners_cannot_vote(vote, estate, resident, make_member, owner_other_community):
    # a tenant living in the unit
    with pytest.raises(PermissionDenied):
        balloting.cast_ballot(vote, estate.units.u101, actor=resident, choice="yes", now=DURING)
    # a neighbour for a unit he does not own
    with pytest.raises(PermissionDenied):
        balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.neighbour,
                              choice="yes", now=DURING)
    # the buyer of an undelivered unit (the developer votes for it)
    with pytest.raises(PermissionDenied):
        balloting.cast_ballot(vote, estate.units.u402, actor=estate.people.buyer, choice="yes",
                              now=DURING)
    # staff, and an owner of another community
    with pytest.raises(PermissionDenied):
        balloting.cast_ballot(vote, estate.units.u101, actor=make_member(Role.MANAGER),
                              choice="yes", now=DURING)
    with pytest.raises(PermissionDenied):
        balloting.cast_ballot(vote, estate.units.u101, actor=owner_other_community,
                              choice="yes", now=DURING)
    assert nothing_cast(vote)


@pytest.mark.parametrize("choice", ["", "maybe", None, 1, "YES"])
def test_a_choice_must_be_one_of_three(vote, estate, choice):
    with pytest.raises(ValidationError) as exc:
        balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice=choice,
                              now=DURING)
    assert exc.value.message_dict["choice"] == ["请选择同意、反对或弃权"]
    assert nothing_cast(vote)


def test_a_unit_of_another_community_is_outside_the_scope(vote, estate, other_community):
    from tests.factories import UnitFactory

    foreign = UnitFactory(building__community=other_community)
    with pytest.raises(ValidationError) as exc:
        balloting.cast_ballot(vote, foreign, actor=estate.people.owner, choice="yes", now=DURING)
    assert exc.value.message_dict == {"unit": ["该房屋不在本次表决范围内"]}


def test_the_developer_votes_for_unsold_units(vote, estate):
    ballot = balloting.cast_ballot(vote, estate.units.u401, actor=estate.people.developer,
                                   choice="yes", now=DURING)
    assert ballot.vote_unit.owner_ref == "DEV" and ballot.is_current


# --- paper and proxy ballots (docs/governance.md, "Entered ballots") ----------------------------
# Entered by staff or the committee, confirmed by a committee member who holds no company role
# and did not enter it; never replacing an owner's online ballot without his acceptance;
# received before the close, entered at most SUNLIT_BALLOT_ENTRY_HOURS (48) after it; the
# unit's owners told at once on every channel.

ENTRY_DEADLINE = CLOSES + dt.timedelta(hours=48)


@pytest.fixture
def clerk(make_member):
    return make_member(Role.SERVICE, username="clerk", display_name="客服小李")


@pytest.fixture
def member2(make_member):
    """A second committee member (an owner: his name never goes on the log in clear)."""
    return make_member(Role.COMMITTEE, username="committee2", display_name="业委会李委员")


@pytest.fixture
def dual(make_member, community):
    """A committee member who also holds a company role: he acts for the company."""
    user = make_member(Role.COMMITTEE, username="dual", display_name="兼职经理")
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, community=community, role=Role.MANAGER)
    return user


def enter(vote, estate, clerk, upload, **overrides):
    unit = overrides.pop("unit", estate.units.u102)
    args = {"actor": clerk, "choice": "yes", "received_at": DURING, "scan": upload(by=clerk),
            "now": DURING + dt.timedelta(hours=1)}
    args.update(overrides)
    return balloting.enter_ballot(vote, unit, **args)


def leaves_of(kind):
    return [json.loads(leaf.data) for leaf in
            LogLeaf.objects.filter(event_type=kind).order_by("index")]


def ballot_notices():
    return Notification.objects.filter(object_type="governance.ballot")


def told(user):
    """The titles of what ``user`` was told about entered ballots, oldest first."""
    return list(ballot_notices().filter(recipient=user).order_by("pk")
                .values_list("title", flat=True))


def nothing_entered(vote):
    return (not Ballot.objects.filter(vote=vote).exclude(channel="online").exists()
            and not LogLeaf.objects.filter(event_type__startswith="governance.ballot.").exclude(
                event_type="governance.ballot.cast", data__contains='"channel":"online"').exists()
            and not ballot_notices().exists())


def test_paper_ballot_counts_only_after_a_committee_members_confirmation(
        vote, estate, clerk, committee, upload):
    scan = upload(by=clerk)
    ballot = enter(vote, estate, clerk, upload, scan=scan)
    assert ballot.status == BallotStatus.PENDING and not ballot.is_current
    assert ballot.person.name == "邻居老周"  # the unit's only owner
    assert selectors.counted_choices(vote) == {}
    assert not LogLeaf.objects.filter(event_type="governance.ballot.cast").exists()
    # the entry itself is on the log: the scan's SHA-256, when it was received, who entered it
    [entered] = leaves_of("governance.ballot.entered")
    assert entered["public"]["scan_sha256"] == scan.sha256
    assert entered["public"]["entered_by"] == "客服小李"  # staff: public responsibility
    assert entered["public"]["received_at"].startswith("2026-03-18T10:00:00")
    assert "yes" not in json.dumps(entered["public"])  # never the choice
    assert set(entered["commitments"]) == {"voter_name"}
    # the owner is told at once, once
    assert told(estate.people.neighbour) == ["您的房屋 1号楼-1单元-102 被录入了一张纸质表决票"]
    # the close waits for the review
    with pytest.raises(ValidationError) as exc:
        services.close_vote(vote, actor=committee, now=CLOSES)
    assert "1 张录入的选票待业委会复核" in exc.value.message_dict["ballots"][0]
    assert Vote.objects.get(pk=vote.pk).status == "open"
    ballot = balloting.confirm_ballot(ballot, actor=committee, now=DURING + dt.timedelta(hours=2))
    assert ballot.status == BallotStatus.VALID and ballot.is_current
    [cast] = leaves_of("governance.ballot.cast")
    assert cast["public"]["channel"] == "paper"
    assert cast["public"]["entered_by"] == "客服小李"
    assert cast["public"]["confirmed_by"] == "业委会委员"  # an owner: by role only
    assert set(cast["commitments"]) == {"voter_name", "confirmer_name"}
    assert told(estate.people.neighbour)[-1] == "您的房屋 1号楼-1单元-102 的纸质表决票已复核计入"
    assert len(told(estate.people.neighbour)) == 2
    with pytest.raises(ValidationError):
        balloting.confirm_ballot(ballot, actor=committee)  # already confirmed
    services.close_vote(vote, actor=committee, now=CLOSES)
    assert Vote.objects.get(pk=vote.pk).result.ballots == 1


def test_the_same_person_cannot_enter_and_confirm(vote, estate, committee, member2, upload):
    ballot = enter(vote, estate, committee, upload)  # the committee may enter, too
    assert leaves_of("governance.ballot.entered")[0]["public"]["entered_by"] == "业委会委员"
    before = ballot_notices().count()
    with pytest.raises(ValidationError) as exc:
        balloting.confirm_ballot(ballot, actor=committee, now=DURING + dt.timedelta(hours=2))
    assert exc.value.message_dict == {"confirmed_by": ["复核须由录入人以外的另一名业委会委员完成"]}
    with pytest.raises(ValidationError):
        balloting.reject_ballot(ballot, actor=committee, reason="自己退回")
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.PENDING
    assert not LogLeaf.objects.filter(event_type="governance.ballot.cast").exists()
    assert ballot_notices().count() == before
    assert balloting.confirm_ballot(ballot, actor=member2).status == BallotStatus.VALID


@pytest.mark.parametrize("who", ["service", "manager", "company_admin", "dual", "owner",
                                 "auditor"])
def test_the_company_side_never_confirms_or_rejects(vote, estate, clerk, upload, who, request):
    confirmer = request.getfixturevalue(who) if who != "owner" else estate.people.owner
    ballot = enter(vote, estate, clerk, upload)
    before = (ballot_notices().count(), LogLeaf.objects.count())
    with pytest.raises(PermissionDenied):
        balloting.confirm_ballot(ballot, actor=confirmer, now=DURING + dt.timedelta(hours=2))
    with pytest.raises(PermissionDenied):
        balloting.reject_ballot(ballot, actor=confirmer, reason="不清楚")
    ballot.refresh_from_db()
    assert (ballot.status, ballot.confirmed_by_id, ballot.is_current) == (
        BallotStatus.PENDING, None, False)
    assert (ballot_notices().count(), LogLeaf.objects.count()) == before


def test_online_first_then_paper_the_online_ballot_stands_unless_the_owner_accepts(
        vote, estate, clerk, committee, upload):
    neighbour = estate.people.neighbour
    online = balloting.cast_ballot(vote, estate.units.u102, actor=neighbour, choice="no",
                                   now=DURING)
    # a paper ballot received even later than the online one does not replace it
    paper = enter(vote, estate, clerk, upload, received_at=DURING + dt.timedelta(hours=3),
                  now=DURING + dt.timedelta(hours=4))
    assert "您已在线投票，线上投票继续有效" in ballot_notices().get(recipient=neighbour).body
    paper = balloting.confirm_ballot(paper, actor=committee, now=DURING + dt.timedelta(hours=5))
    online.refresh_from_db()
    assert paper.status == BallotStatus.HELD and not paper.is_current
    assert online.is_current and online.superseded_by_id is None
    assert selectors.counted_choices(vote) == {online.vote_unit_id: "no"}
    assert [e["public"]["online_ballot"] for e in leaves_of("governance.ballot.held")] == [
        online.ref]
    assert len(leaves_of("governance.ballot.cast")) == 1  # only the online ballot
    assert told(neighbour)[-1] == "您的房屋 1号楼-1单元-102 有一张纸质表决票与您的线上投票冲突，待您确认"
    # nobody but an owner of the unit decides; the owner accepts
    for stranger in (estate.people.owner, committee, clerk):
        with pytest.raises(PermissionDenied):
            balloting.resolve_held_ballot(paper, actor=stranger, accept=True,
                                          now=DURING + dt.timedelta(hours=6))
    paper = balloting.resolve_held_ballot(paper, actor=neighbour, accept=True,
                                          now=DURING + dt.timedelta(hours=6))
    online.refresh_from_db()
    assert paper.status == BallotStatus.VALID and paper.is_current
    assert not online.is_current and online.superseded_by_id == paper.pk
    assert selectors.counted_choices(vote) == {online.vote_unit_id: "yes"}
    assert leaves_of("governance.ballot.cast")[-1]["public"]["accepted_by_owner"] is True
    # he changes his mind again online: the later online ballot counts
    again = balloting.cast_ballot(vote, estate.units.u102, actor=neighbour, choice="abstain",
                                  now=DURING + dt.timedelta(hours=7))
    assert again.is_current and selectors.counted_choices(vote) == {
        online.vote_unit_id: "abstain"}


def test_the_owner_keeps_his_online_ballot(vote, estate, clerk, committee, upload):
    co1, co2 = estate.people.co1, estate.people.co2
    online = balloting.cast_ballot(vote, estate.units.u201, actor=co1, choice="yes", now=DURING)
    paper = enter(vote, estate, clerk, upload, unit=estate.units.u201, choice="no",
                  person=co2.persons.get(), now=DURING + dt.timedelta(hours=1))
    # both co-owners are told once, each
    assert len(told(co1)) == len(told(co2)) == 1
    paper = balloting.confirm_ballot(paper, actor=committee, now=DURING + dt.timedelta(hours=2))
    assert len(told(co1)) == len(told(co2)) == 2
    paper = balloting.resolve_held_ballot(paper, actor=co1, accept=False,
                                          now=DURING + dt.timedelta(hours=3))
    online.refresh_from_db()
    assert paper.status == BallotStatus.REJECTED and online.is_current
    assert paper.reject_reason == "业主确认以线上投票为准"
    [rejected] = leaves_of("governance.ballot.rejected")
    assert rejected["public"]["by"] == "业主" and set(rejected["commitments"]) == {"by_name"}
    # the other co-owner hears of it; the one who decided does not need to
    assert len(told(co1)) == 2 and len(told(co2)) == 3
    with pytest.raises(ValidationError):  # decided once
        balloting.resolve_held_ballot(paper, actor=co2, accept=True,
                                      now=DURING + dt.timedelta(hours=4))


def test_a_held_entry_is_decided_before_the_close_or_not_at_all(vote, estate, clerk,
                                                                committee, upload):
    neighbour = estate.people.neighbour
    online = balloting.cast_ballot(vote, estate.units.u102, actor=neighbour, choice="no",
                                   now=DURING)
    paper = enter(vote, estate, clerk, upload, received_at=CLOSES - dt.timedelta(seconds=1),
                  now=CLOSES + dt.timedelta(hours=1))
    paper = balloting.confirm_ballot(paper, actor=committee, now=CLOSES + dt.timedelta(hours=2))
    assert paper.status == BallotStatus.HELD
    with pytest.raises(ValidationError) as exc:
        balloting.resolve_held_ballot(paper, actor=neighbour, accept=True,
                                      now=CLOSES)
    assert exc.value.message_dict == {"vote": ["投票已截止，以线上投票为准"]}
    # at the close the held entry does not count: the online ballot stands
    services.close_vote(vote, actor=committee, now=CLOSES + dt.timedelta(hours=3))
    paper.refresh_from_db()
    online.refresh_from_db()
    assert paper.status == BallotStatus.REJECTED and online.is_current
    assert leaves_of("governance.ballot.rejected")[-1]["public"]["by"] == "投票截止"
    assert Vote.objects.get(pk=vote.pk).result.ballots == 1


def test_paper_first_then_online_the_online_ballot_counts(vote, estate, clerk, committee,
                                                          upload):
    neighbour = estate.people.neighbour
    paper = enter(vote, estate, clerk, upload, received_at=DURING,
                  now=DURING + dt.timedelta(hours=1))
    paper = balloting.confirm_ballot(paper, actor=committee, now=DURING + dt.timedelta(hours=2))
    assert paper.is_current
    online = balloting.cast_ballot(vote, estate.units.u102, actor=neighbour, choice="no",
                                   now=DURING + dt.timedelta(hours=3))
    paper.refresh_from_db()
    assert online.is_current and paper.superseded_by_id == online.pk
    assert selectors.counted_choices(vote) == {online.vote_unit_id: "no"}


def test_paper_entered_then_online_before_the_review_is_held(vote, estate, clerk, committee,
                                                             upload):
    paper = enter(vote, estate, clerk, upload)
    online = balloting.cast_ballot(vote, estate.units.u102, actor=estate.people.neighbour,
                                   choice="no", now=DURING + dt.timedelta(hours=2))
    paper = balloting.confirm_ballot(paper, actor=committee, now=DURING + dt.timedelta(hours=3))
    assert paper.status == BallotStatus.HELD and Ballot.objects.get(pk=online.pk).is_current


@pytest.mark.parametrize("received, entered, ok", [
    (OPENS - dt.timedelta(seconds=1), DURING, False),       # before the opening
    (OPENS, DURING, True),                                  # at the opening
    (CLOSES - dt.timedelta(seconds=1), CLOSES, True),       # just before the close
    (CLOSES, CLOSES + dt.timedelta(hours=1), False),        # at the close
    (CLOSES + dt.timedelta(seconds=1), CLOSES + dt.timedelta(hours=1), False),  # after it
    (DURING + dt.timedelta(hours=2), DURING + dt.timedelta(hours=1), False),    # in the future
    (DURING, ENTRY_DEADLINE - dt.timedelta(seconds=1), True),  # last second of the entry period
    (DURING, ENTRY_DEADLINE, False),                           # the entry period is over
])
def test_entered_ballots_are_received_before_the_close_and_entered_in_time(
        vote, estate, clerk, upload, received, entered, ok):
    if ok:
        ballot = enter(vote, estate, clerk, upload, received_at=received, now=entered)
        assert ballot.cast_at == received and ballot.entered_at == entered
        return
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, received_at=received, now=entered)
    assert set(exc.value.message_dict) & {"received_at", "vote"}
    assert nothing_entered(vote)


def test_entering_after_the_entry_period_says_until_when(vote, estate, clerk, upload):
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, now=ENTRY_DEADLINE)
    assert exc.value.message_dict["vote"] == [
        "纸质票和委托票须在投票截止后 48 小时内录入（至 2026-03-26 10:00），录入期已过"]


def test_paper_ballot_needs_its_scan_and_a_proxy_also_the_authorisation(
        vote, estate, clerk, upload, other_community):
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, scan=None)
    assert exc.value.message_dict == {"scan": ["纸质表决票须上传扫描件"]}
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, channel=Channel.PROXY, scan=None)
    assert exc.value.message_dict == {
        "scan": ["委托投票须上传受托人签署的表决票扫描件"],
        "authorisation": ["委托投票须上传业主签署的授权委托书"], "proxy_name": ["请填写受托人姓名"]}
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, scan=upload(other_community, by=clerk))
    assert exc.value.message_dict == {"scan": ["文件不存在，或不是您本人在本小区上传的"]}
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, channel=Channel.ONLINE)
    assert "channel" in exc.value.message_dict
    assert nothing_entered(vote)
    authorisation = upload(by=clerk)
    proxy = enter(vote, estate, clerk, upload, channel=Channel.PROXY,
                  authorisation=authorisation, proxy_name="周小周")
    assert proxy.status == BallotStatus.PENDING and proxy.proxy_name == "周小周"
    [entered] = leaves_of("governance.ballot.entered")
    assert entered["public"]["authorisation_sha256"] == authorisation.sha256
    assert "周小周" not in json.dumps(entered)  # the proxy's name only as a commitment
    assert set(entered["commitments"]) == {"voter_name", "proxy_name"}


def test_one_scan_is_one_ballot(vote, estate, clerk, upload):
    scan = upload(by=clerk)
    enter(vote, estate, clerk, upload, scan=scan)
    copy = upload(by=clerk)
    copy.sha256 = scan.sha256
    copy.save(update_fields=["sha256"])
    with pytest.raises(ValidationError) as exc:
        enter(vote, estate, clerk, upload, unit=estate.units.u101, scan=copy)
    assert exc.value.message_dict == {"scan": ["该扫描件已用于本次表决的另一张选票"]}
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_paper_ballot_must_name_an_owner_of_the_unit(vote, estate, clerk, upload):
    with pytest.raises(ValidationError) as exc:  # two co-owners: say which one signed
        enter(vote, estate, clerk, upload, unit=estate.units.u201)
    assert "person" in exc.value.message_dict
    with pytest.raises(ValidationError):
        enter(vote, estate, clerk, upload, unit=estate.units.u201,
              person=estate.people.owner.persons.get())
    assert nothing_entered(vote)
    ballot = enter(vote, estate, clerk, upload, unit=estate.units.u201,
                   person=estate.people.co2.persons.get())
    assert ballot.person.name == "共有人乙"


def test_a_paper_ballot_received_before_another_paper_ballot_does_not_replace_it(
        vote, estate, clerk, committee, upload):
    later = enter(vote, estate, clerk, upload, received_at=DURING + dt.timedelta(hours=3),
                  now=DURING + dt.timedelta(hours=4))
    earlier = enter(vote, estate, clerk, upload, received_at=DURING, choice="no",
                    now=DURING + dt.timedelta(hours=4))
    balloting.confirm_ballot(later, actor=committee, now=DURING + dt.timedelta(hours=5))
    earlier = balloting.confirm_ballot(earlier, actor=committee,
                                       now=DURING + dt.timedelta(hours=6))
    assert not earlier.is_current and earlier.superseded_by_id == later.pk
    assert selectors.counted_choices(vote) == {later.vote_unit_id: "yes"}


def test_a_rejected_entry_never_counts(vote, estate, clerk, committee, upload):
    ballot = enter(vote, estate, clerk, upload)
    with pytest.raises(ValidationError):
        balloting.reject_ballot(ballot, actor=committee, reason="")
    assert len(told(estate.people.neighbour)) == 1
    ballot = balloting.reject_ballot(ballot, actor=committee,
                                     reason="扫描件上的房号与录入不符，联系 13912345678")
    assert ballot.status == BallotStatus.REJECTED and not ballot.is_current
    [rejected] = leaves_of("governance.ballot.rejected")
    assert rejected["public"]["by"] == "业委会委员"
    assert "13912345678" not in rejected["public"]["reason"]  # masked like the board's texts
    assert told(estate.people.neighbour)[-1] == "您的房屋 1号楼-1单元-102 的纸质表决票未计入"
    services.close_vote(vote, actor=committee, now=CLOSES)
    assert Vote.objects.get(pk=vote.pk).result.ballots == 0


def test_owners_cannot_enter_or_confirm_ballots(vote, estate, clerk, upload):
    with pytest.raises(PermissionDenied):
        enter(vote, estate, estate.people.owner, upload)
    ballot = enter(vote, estate, clerk, upload)
    with pytest.raises(PermissionDenied):
        balloting.confirm_ballot(ballot, actor=estate.people.owner)
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.PENDING


def test_owners_are_told_on_every_channel_even_if_they_switched_channels_off(
        vote, estate, clerk, upload, django_capture_on_commit_callbacks):
    from django.db import transaction

    from sunlit.notices.models import Delivery, NotificationPreference

    neighbour = estate.people.neighbour
    neighbour.email = "lao.zhou@example.cn"
    neighbour.save(update_fields=["email"])
    NotificationPreference.objects.create(user=neighbour, email=False, sms=False, wechat=False)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enter(vote, estate, clerk, upload)
    [note] = ballot_notices().filter(recipient=neighbour)
    assert Delivery.objects.filter(notification=note, channel="email", status="sent").exists()
    # an ordinary notice still respects his choice
    from sunlit.notices.services import notify

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [plain] = notify(community=vote.community, recipients=[neighbour], title="普通通知")
    assert not Delivery.objects.filter(notification=plain).exists()


def test_manager_waits_for_the_entry_period_the_committee_may_close_at_the_deadline(
        vote, estate, manager, committee):
    with pytest.raises(ValidationError) as exc:
        services.close_vote(vote, actor=manager, now=CLOSES)
    assert "只有业委会可以决定提前计票" in exc.value.message_dict["closes_at"][0]
    with pytest.raises(ValidationError):
        services.close_vote(vote, actor=None, now=ENTRY_DEADLINE - dt.timedelta(seconds=1))
    assert Vote.objects.get(pk=vote.pk).status == "open"
    assert not LogLeaf.objects.filter(event_type="governance.vote.closed").exists()
    with pytest.raises(ValidationError):  # nobody closes before the announced close
        services.close_vote(vote, actor=committee, now=CLOSES - dt.timedelta(seconds=1))
    services.close_vote(vote, actor=manager, now=ENTRY_DEADLINE)
    assert Vote.objects.get(pk=vote.pk).status == "closed"


def test_the_committee_closes_when_the_paper_ballots_are_in(vote, committee):
    services.close_vote(vote, actor=committee, now=CLOSES)
    assert Vote.objects.get(pk=vote.pk).status == "closed"
