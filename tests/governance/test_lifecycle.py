"""A vote from draft to effect: the frozen electorate, the count, the log."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sunlit.core.choices import Role
from sunlit.governance.models import Ballot, Vote, VoteUnit, VoteVoter
from sunlit.governance.votes import balloting, receipts, selectors, services, tally
from sunlit.governance.votes.choices import MatterKind, VoteScope, VoteStatus
from sunlit.registry.models import Ownership
from sunlit.transparency.models import LogLeaf
from tests.governance.conftest import CLOSES, DURING, OPENS, T0


def leaves(community, event_type):
    return [json.loads(leaf.data) for leaf in
            LogLeaf.objects.filter(community=community, event_type=event_type).order_by("index")]


def test_announce_fixes_the_text_on_the_log(draft, committee, community):
    vote = draft()
    vote = services.announce_vote(vote, actor=committee, now=T0)
    assert vote.status == VoteStatus.ANNOUNCED and vote.announced_at == T0
    [event] = leaves(community, "governance.vote.announced")
    assert event["public"]["text_sha256"] == vote.text_sha256 == selectors.sha256_of(
        services.text_document(vote))
    assert event["public"]["matter"] == "manager" and event["public"]["notice_days"] == 15
    assert event["public"]["opens_at"] == "2026-03-17T10:00:00.000000+08:00"


def test_notice_of_at_least_15_days_by_default(draft, committee):
    vote = draft(opens_at=T0 + dt.timedelta(days=14, hours=23), closes_at=CLOSES)
    with pytest.raises(ValidationError) as exc:
        services.announce_vote(vote, actor=committee, now=T0)
    assert "至少 15 天" in exc.value.message_dict["opens_at"][0]
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT and vote.text_sha256 == ""
    # exactly 15 days is enough
    services.update_vote(vote, actor=committee, opens_at=OPENS)
    assert services.announce_vote(vote, actor=committee, now=T0).status == VoteStatus.ANNOUNCED


def test_no_change_after_the_announcement(draft, committee):
    vote = services.announce_vote(draft(), actor=committee, now=T0)
    with pytest.raises(ValidationError) as exc:
        services.update_vote(vote, actor=committee, title="改过的标题")
    assert "公告后不能再修改" in exc.value.message_dict["status"][0]
    vote.refresh_from_db()
    assert vote.title == "续聘阳光物业服务有限公司"


def test_opening_freezes_the_electorate(open_vote, community, estate):
    vote = open_vote()
    units = {u.unit_label: u for u in VoteUnit.objects.filter(vote=vote)}
    assert len(units) == 9
    figures = selectors.current_tally(vote)
    assert figures.total_area == Decimal("889.50") and figures.total_owners == 7
    # the developer's unsold and undelivered units are one owner, with the public ref DEV
    assert units["1号楼-1单元-401"].owner_ref == units["1号楼-1单元-402"].owner_ref == "DEV"
    # one buyer's two units: one pseudonym; different owners: different pseudonyms
    assert units["1号楼-1单元-301"].owner_ref == units["1号楼-1单元-302"].owner_ref
    assert len({u.owner_ref for u in units.values()}) == 7
    # on the log: the electorate's hash, size, area and owner count — no names
    [event] = leaves(community, "governance.vote.opened")
    assert event["public"] == {"title": vote.title, "units": 9, "area": "889.50", "owners": 7,
                               "electorate_sha256": vote.electorate_sha256}
    assert selectors.sha256_of(selectors.electorate_document(vote)) == vote.electorate_sha256
    assert "王小明" not in json.dumps(selectors.electorate_document(vote), ensure_ascii=False)


def test_roster_changes_after_the_opening_do_not_move_the_count(open_vote, estate, community):
    vote = open_vote()
    before = selectors.electorate_document(vote)
    estate.units.u102.area = Decimal("150")
    estate.units.u102.save(update_fields=["area"])
    Ownership.objects.filter(unit=estate.units.u102).update(end=dt.date(2026, 3, 10))
    assert selectors.electorate_document(vote) == before
    # the owner at the opening still votes for the unit
    ballot = balloting.cast_ballot(vote, estate.units.u102, actor=estate.people.neighbour,
                                   choice="yes", now=DURING)
    assert ballot.is_current


def test_scope_limits_the_electorate(open_vote, estate, community):
    vote = open_vote(scope=VoteScope.BUILDINGS, buildings=[estate.building],
                     title="1号楼外墙翻新", matter=MatterKind.REBUILD)
    labels = set(VoteUnit.objects.filter(vote=vote).values_list("unit_label", flat=True))
    assert "2号楼-1单元-101" not in labels and len(labels) == 8
    with pytest.raises(ValidationError) as exc:
        balloting.cast_ballot(vote, estate.units.b2_101, actor=estate.people.other_building,
                              choice="yes", now=DURING)
    assert exc.value.message_dict["unit"] == ["该房屋不在本次表决范围内"]
    explicit = open_vote(scope=VoteScope.UNITS, units=[estate.units.u101, estate.units.u102],
                         title="101、102 门前改造")
    assert VoteUnit.objects.filter(vote=explicit).count() == 2


def test_full_vote_passes_and_anyone_can_count_again(open_vote, estate, committee, manager,
                                                     community):
    vote = open_vote()
    p, u = estate.people, estate.units
    cast = [(p.owner, u.u101, "yes"), (p.neighbour, u.u102, "yes"), (p.co1, u.u201, "no"),
            (p.multi, u.u301, "yes"), (p.multi, u.u302, "yes"), (p.developer, u.u401, "yes"),
            (p.developer, u.u402, "abstain")]
    receipts_of = {}
    for n, (user, unit, choice) in enumerate(cast):
        ballot = balloting.cast_ballot(vote, unit, actor=user, choice=choice,
                                       now=DURING + dt.timedelta(minutes=n))
        receipts_of[unit.pk] = ballot.receipt
    services.close_vote(vote, actor=committee, now=CLOSES)
    result = Vote.objects.get(pk=vote.pk).result
    # 7 units of 9: 689.50 of 889.50 m² (≥ 2/3) and 5 of 7 owners (≥ 2/3)
    assert (result.participating_area, result.participating_owners) == (Decimal("689.50"), 5)
    # developer: yes on 401 and abstain on 402 → takes part, does not agree (count)
    assert (result.yes_area, result.yes_owners, result.mixed_owners) == (
        Decimal("489.50"), 3, 1)
    assert result.participation_met and result.approval_met and result.passed
    services.publish_result(vote, actor=manager, now=CLOSES + dt.timedelta(hours=1))
    services.make_effective(vote, actor=committee, now=CLOSES + dt.timedelta(days=1))
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.EFFECTIVE

    # the published documents alone give the same figures
    ballots_doc = selectors.ballots_document(vote)
    assert selectors.sha256_of(ballots_doc) == result.ballots_sha256
    again = tally.retally(selectors.electorate_document(vote), ballots_doc, special=False)
    assert (again.participating_area, again.participating_owners, again.area[tally.YES],
            again.owners[tally.YES], again.passed) == (
        result.participating_area, result.participating_owners, result.yes_area,
        result.yes_owners, result.passed)
    [published] = leaves(community, "governance.vote.published")
    assert published["public"]["yes_area"] == "489.50" and published["public"]["passed"] is True
    assert published["public"]["ballots_sha256"] == result.ballots_sha256
    # each ballot is on the log as a commitment that the owner's receipt opens
    cast_events = {e["public"]["ballot"]: e for e in leaves(community, "governance.ballot.cast")}
    assert len(cast_events) == 7
    for row in ballots_doc["ballots"]:
        assert cast_events[row["ballot"]]["public"]["commitment"] == row["commitment"]
        assert "choice" not in cast_events[row["ballot"]]["public"]
    ref, nonce = receipts.parse_receipt(receipts_of[u.u101.pk])
    row = next(r for r in ballots_doc["ballots"] if r["ballot"] == ref)
    assert receipts.commitment(vote.pk, row["unit"], row["choice"], nonce) == row["commitment"]
    checked = services.verify_receipt(vote, receipts_of[u.u101.pk].lower())
    assert checked["counted"] and checked["choice"] == "yes"
    with pytest.raises(ValidationError):
        services.verify_receipt(vote, f"{ref}-{'A' * 16}")


def test_special_matter_fails_below_three_quarters(open_vote, estate, committee):
    vote = open_vote(matter=MatterKind.RAISE_FUND, title="续筹维修资金")
    p, u = estate.people, estate.units
    for user, unit, choice in [(p.owner, u.u101, "yes"), (p.neighbour, u.u102, "yes"),
                               (p.co1, u.u201, "no"), (p.multi, u.u301, "yes"),
                               (p.other_building, u.b2_101, "yes")]:
        balloting.cast_ballot(vote, unit, actor=user, choice=choice, now=DURING)
    services.close_vote(vote, actor=committee, now=CLOSES)
    result = Vote.objects.get(pk=vote.pk).result
    # 5 of 7 owners, 489.50 of 889.50 m²: participation fails on area (< 2/3)
    assert result.participating_owners == 5 and not result.participation_met
    assert not result.passed
    with pytest.raises(ValidationError):
        services.make_effective(vote, actor=committee)


def test_co_owners_cast_one_ballot_the_later_counts(open_vote, estate):
    vote = open_vote()
    first = balloting.cast_ballot(vote, estate.units.u201, actor=estate.people.co1, choice="yes",
                                  now=DURING)
    second = balloting.cast_ballot(vote, estate.units.u201, actor=estate.people.co2, choice="no",
                                   now=DURING + dt.timedelta(hours=1))
    first.refresh_from_db()
    assert not first.is_current and first.superseded_by == second and second.is_current
    assert Ballot.objects.filter(vote=vote).count() == 2  # nothing lost
    assert selectors.counted_choices(vote) == {second.vote_unit_id: "no"}
    doc = selectors.ballots_document(vote)
    assert doc["superseded"] == [{"ballot": first.ref, "unit": "1号楼-1单元-201",
                                  "commitment": first.commitment, "leaf": first.leaf_index,
                                  "superseded_by": second.ref}]


def test_cancel_keeps_the_ballots(open_vote, estate, committee, community):
    vote = open_vote()
    balloting.cast_ballot(vote, estate.units.u101, actor=estate.people.owner, choice="yes",
                          now=DURING)
    with pytest.raises(ValidationError):
        services.cancel_vote(vote, actor=committee, reason="  ")
    services.cancel_vote(vote, actor=committee, reason="方案调整，重新公告", now=DURING)
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.CANCELLED
    assert Ballot.objects.filter(vote=vote).count() == 1
    [event] = leaves(community, "governance.vote.cancelled")
    assert event["public"]["status_from"] == "open"


def test_scheduler_opens_and_closes_votes(draft, committee, estate):
    vote = services.announce_vote(draft(), actor=committee, now=T0)
    assert services.open_due_votes(now=OPENS - dt.timedelta(minutes=1)) == []
    assert [v.pk for v in services.open_due_votes(now=OPENS)] == [vote.pk]
    # the scheduler counts once the paper-ballot entry period after the close has passed
    deadline = CLOSES + dt.timedelta(hours=48)
    assert services.close_due_votes(now=CLOSES) == []
    assert services.close_due_votes(now=deadline - dt.timedelta(seconds=1)) == []
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.OPEN
    assert [v.pk for v in services.close_due_votes(now=deadline)] == [vote.pk]
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.CLOSED


@pytest.mark.parametrize("role", [Role.OWNER, Role.SERVICE, Role.TECHNICIAN, Role.AUDITOR])
def test_only_the_committee_and_the_manager_run_votes(role, make_member, community, estate):
    user = make_member(role)
    with pytest.raises(PermissionDenied):
        services.create_vote(community, actor=user, title="x", description="y",
                             matter=MatterKind.OTHER, opens_at=OPENS, closes_at=CLOSES)
    assert not Vote.objects.exists()


def test_committee_of_another_community_cannot_run_ours(make_member, other_community,
                                                        community, draft, committee):
    stranger = make_member(Role.COMMITTEE, other_community)
    with pytest.raises(PermissionDenied):
        services.create_vote(community, actor=stranger, title="x", description="y",
                             matter=MatterKind.OTHER, opens_at=OPENS, closes_at=CLOSES)
    vote = draft()
    with pytest.raises(PermissionDenied):
        services.announce_vote(vote, actor=stranger, now=T0)
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.DRAFT


def test_bad_drafts_are_refused_field_by_field(community, committee, estate, other_community):
    from tests.factories import BuildingFactory

    foreign = BuildingFactory(community=other_community)
    with pytest.raises(ValidationError) as exc:
        services.create_vote(community, actor=committee, title="", description="",
                             matter="whatever", scope=VoteScope.BUILDINGS, buildings=[foreign],
                             opens_at=CLOSES, closes_at=OPENS, notice_days=-1)
    assert set(exc.value.message_dict) == {"title", "description", "matter", "buildings",
                                           "closes_at", "notice_days"}
    with pytest.raises(ValidationError) as exc:
        services.create_vote(community, actor=committee, title="x", description="y",
                             matter=MatterKind.OTHER, opens_at=dt.datetime(2026, 3, 17, 10),
                             closes_at=CLOSES, notice_days="15")
    assert set(exc.value.message_dict) == {"opens_at", "notice_days"}
    with pytest.raises(ValidationError) as exc:
        services.create_vote(community, actor=committee, title="x", description="y",
                             matter=MatterKind.OTHER, scope=VoteScope.UNITS, units=[],
                             opens_at=OPENS, closes_at=CLOSES)
    assert "units" in exc.value.message_dict
    assert not Vote.objects.exists()


def test_voters_are_the_owners_at_opening(open_vote, estate):
    vote = open_vote()
    voters = {(v.vote_unit.unit_label, v.person.name) for v in
              VoteVoter.objects.filter(vote=vote).select_related("vote_unit", "person")}
    assert ("1号楼-1单元-201", "共有人甲") in voters and ("1号楼-1单元-201", "共有人乙") in voters
    # the developer votes for the undelivered unit, not its buyer
    assert ("1号楼-1单元-402", "某某置业有限公司") in voters
    assert not any(name == "未交房买受人" for _u, name in voters)
    assert not any(label == "1号楼-1单元-501" for label, _n in voters)
